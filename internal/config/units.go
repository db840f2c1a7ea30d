package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in YAML the way people write them:
// "30s", "15m", "1h30m", "72h"; a leading whole number of days is accepted
// too ("3d", "1d12h") because retention-style settings read better that way.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d without the trailing zero units time.Duration prints
// ("10m", not "10m0s"), so messages echo what the user would have written.
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

var daysPrefix = regexp.MustCompile(`^([0-9]+)d`)

// ParseDuration parses a duration such as "30s", "15m", "72h" or "3d".
// A bare number other than 0 is rejected: "30" could mean seconds or
// minutes.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errors.New("empty duration")
	}
	if rest, neg := strings.CutPrefix(in, "-"); neg && daysPrefix.MatchString(rest) {
		// time.ParseDuration takes a sign but knows no days; parse the
		// magnitude so "-30d" is a negative duration, which callers
		// reject with a clearer message than a syntax error.
		d, err := ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: write it like 30s, 15m, 72h or 3d", s)
		}
		return -d, nil
	}
	var days time.Duration
	if m := daysPrefix.FindStringSubmatch(in); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > int64(math.MaxInt64/(24*time.Hour)) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		in = in[len(m[0]):]
		if in == "" {
			return Duration(days), nil
		}
	}
	if f, err := strconv.ParseFloat(in, 64); err == nil && days == 0 {
		if f == 0 {
			// Zero needs no unit, as in time.ParseDuration; "0" is how
			// people write "never" for settings that allow it.
			return 0, nil
		}
		return 0, fmt.Errorf("duration %q has no unit: write it like %[1]ss, %[1]sm or %[1]sh", s)
	}
	d, err := time.ParseDuration(in)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: write it like 30s, 15m, 72h or 3d", s)
	}
	if days > 0 && d < 0 {
		return 0, fmt.Errorf("bad duration %q: write it like 30s, 15m, 72h or 3d", s)
	}
	if d > time.Duration(math.MaxInt64)-days {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return Duration(days + d), nil
}

// UnmarshalYAML decodes a duration string. Errors are *yaml.TypeError, so
// that yaml.v3 goes on to report the rest of the file.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("expected a string, found %s", describe(n))
	}
	if err != nil {
		return valueError(n, err)
	}
	*d = v
	return nil
}

// MarshalYAML encodes d as its string form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText encodes d as its string form (for JSON dumps of a Config).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Size is a number of bytes written in YAML with a unit: "512KiB", "10MiB",
// "1GB". A bare integer is a number of bytes.
type Size int64

var sizeUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1000,
	"kib": 1 << 10,
	"mb":  1000 * 1000,
	"mib": 1 << 20,
	"gb":  1000 * 1000 * 1000,
	"gib": 1 << 30,
	"tb":  1000 * 1000 * 1000 * 1000,
	"tib": 1 << 40,
}

var sizeSyntax = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// ParseSize parses a size such as "10MiB", "1.5 GB" or "4096". Units are
// B, KB, KiB, MB, MiB, GB, GiB, TB and TiB, in any letter case; KB is 1000
// bytes and KiB 1024, as the SI and IEC prefixes say.
func ParseSize(s string) (Size, error) {
	m := sizeSyntax.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("bad size %q: write it like 512KiB, 10MiB or 1GB", s)
	}
	mult, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("bad size %q: unknown unit %q (use B, KB, KiB, MB, MiB, GB or GiB)", s, m[2])
	}
	if !strings.Contains(m[1], ".") {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > math.MaxInt64/mult {
			return 0, fmt.Errorf("size %q is too large", s)
		}
		return Size(n * mult), nil
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	v := math.Round(f * float64(mult))
	// float64(MaxInt64) rounds up to 2^63, so >= is the overflow test.
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return Size(v), nil
}

// String formats s in the largest binary unit that divides it exactly.
func (s Size) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

// UnmarshalYAML decodes a size.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("expected a string, found %s", describe(n))
	}
	if err != nil {
		return valueError(n, err)
	}
	*s = v
	return nil
}

// MarshalYAML encodes s as its string form.
func (s Size) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText encodes s as its string form.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a size.
func (s *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Ratio is a fraction between 0 and 1, written in YAML as a percentage
// ("5%") or a fraction (0.05).
type Ratio float64

// ParseRatio parses "5%", "2.5%" or "0.05". Values above 1 are rejected
// rather than guessed at: "5" is far more likely to mean 5% than 500%.
func ParseRatio(s string) (Ratio, error) {
	in := strings.TrimSpace(s)
	pct := strings.HasSuffix(in, "%")
	num := strings.TrimSpace(strings.TrimSuffix(in, "%"))
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || num == "" || strings.ContainsAny(num, "xXpP_") {
		return 0, fmt.Errorf("bad ratio %q: write it like 5%% or 0.05", s)
	}
	if pct {
		f /= 100
	}
	switch {
	case f < 0:
		return 0, fmt.Errorf("ratio %q is negative", s)
	case f > 1 && !pct:
		return 0, fmt.Errorf("ratio %q is more than 1: write %s%% for a percentage", s, num)
	case f > 1:
		return 0, fmt.Errorf("ratio %q is more than 100%%", s)
	}
	return Ratio(f), nil
}

// String formats r as a percentage.
func (r Ratio) String() string {
	// Rounded to 9 places so 0.07 prints as 7%, not 7.000000000000001%.
	return strconv.FormatFloat(math.Round(float64(r)*100*1e9)/1e9, 'f', -1, 64) + "%"
}

// UnmarshalYAML decodes a ratio.
func (r *Ratio) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseRatio(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("expected a string, found %s", describe(n))
	}
	if err != nil {
		return valueError(n, err)
	}
	*r = v
	return nil
}

// MarshalYAML encodes r as a percentage string.
func (r Ratio) MarshalYAML() (any, error) { return r.String(), nil }

// MarshalText encodes r as a percentage string.
func (r Ratio) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a ratio.
func (r *Ratio) UnmarshalText(b []byte) error {
	v, err := ParseRatio(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
