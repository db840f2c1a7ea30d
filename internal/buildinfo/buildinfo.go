// Package buildinfo says which watcher this is: the one place that reads
// the version, for `watcher version`, the User-Agent, the status page and
// watcher_build_info.
package buildinfo

import "runtime/debug"

// version is set at link time by packaging, which knows the release tag
// (-ldflags "-X github.com/figwatch/watcher/internal/buildinfo.version=1.2.3");
// it is never written at run time.
var version string

// Version is the release the binary was stamped with at link time, else
// the module version the Go toolchain recorded (`go install …@v1.2.3`),
// else "devel-" and the VCS revision of a development build, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return fromBuildInfo(bi)
}

func fromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}
