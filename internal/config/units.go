package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
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

var daysPrefix = lazyRegexp(`^([0-9]+)d`)

// ParseDuration parses a duration such as "30s", "15m", "72h" or "3d".
// A bare number other than 0 is rejected: "30" could mean seconds or
// minutes.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errors.New("empty duration")
	}
	if rest, neg := strings.CutPrefix(in, "-"); neg && daysPrefix().MatchString(rest) {
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
	if m := daysPrefix().FindStringSubmatch(in); m != nil {
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

var sizeSyntax = lazyRegexp(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// ParseSize parses a size such as "10MiB", "1.5 GB" or "4096". Units are
// B, KB, KiB, MB, MiB, GB, GiB, TB and TiB, in any letter case; KB is 1000
// bytes and KiB 1024, as the SI and IEC prefixes say.
func ParseSize(s string) (Size, error) {
	m := sizeSyntax().FindStringSubmatch(strings.TrimSpace(s))
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

// Durations is a list of durations, or the word off for none.
type Durations []Duration

// UnmarshalYAML decodes a list of durations, each positive, or "off".
func (ds *Durations) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && strings.EqualFold(strings.TrimSpace(n.Value), "off") {
		*ds = nil
		return nil
	}
	var out Durations
	err := eachItem(n, "a list of durations like [1h, 1d] or off", func(item *yaml.Node) error {
		v, err := ParseDuration(item.Value)
		if err == nil && v <= 0 {
			err = fmt.Errorf("must be positive, found %s", quote(item.Value))
		}
		out = append(out, v)
		return err
	})
	*ds = out
	return err
}

// Prefixes is a list of IP networks. In YAML each is a CIDR ("10.0.0.0/8",
// "fd00::/8") or a bare address, which stands for itself alone (/32 or
// /128).
type Prefixes []netip.Prefix

// UnmarshalYAML decodes a list of networks, masked to their prefix.
func (ps *Prefixes) UnmarshalYAML(n *yaml.Node) error {
	var out Prefixes
	err := eachItem(n, "a list of networks like [10.0.0.0/8, 192.0.2.7]", func(item *yaml.Node) error {
		p, err := ParsePrefix(item.Value)
		out = append(out, p)
		return err
	})
	*ps = out
	return err
}

// ParsePrefix parses a CIDR or a bare IP address (a one-address network).
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("bad network %q: write a CIDR like 10.0.0.0/8 or an IP address", s)
}

// Contains reports whether addr is in one of the networks.
func (ps Prefixes) Contains(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range ps {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// StringList is one string or a list of strings.
type StringList []string

// UnmarshalYAML decodes a string or a list of strings.
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		*l = StringList{n.Value}
		return nil
	}
	var out StringList
	err := eachItem(n, "a string or a list of strings", func(item *yaml.Node) error {
		out = append(out, item.Value)
		return nil
	})
	*l = out
	return err
}

// eachItem calls f on every item of a list of scalars, gathering their
// errors (each at its item) into one *yaml.TypeError; a node that is not a
// list is one error.
func eachItem(n *yaml.Node, want string, f func(*yaml.Node) error) error {
	if n.Kind != yaml.SequenceNode {
		return valueError(n, fmt.Errorf("expected %s, found %s", want, describe(n)))
	}
	var te yaml.TypeError
	for _, item := range n.Content {
		err := f(item)
		if item.Kind != yaml.ScalarNode || item.ShortTag() == "!!null" {
			err = fmt.Errorf("expected a string, found %s", describe(item))
		}
		var ie *yaml.TypeError
		switch {
		case err == nil:
		case errors.As(valueError(item, err), &ie):
			te.Errors = append(te.Errors, ie.Errors...)
		}
	}
	if len(te.Errors) > 0 {
		return &te
	}
	return nil
}

// Threshold is the least change of a figure worth an alert: an absolute
// amount ("500"), or a percentage of the old value ("2%"). Zero: any change.
type Threshold struct {
	Abs float64 // in the figure's own unit
	Pct float64 // percent of the old value: 2 for "2%"
}

// ParseThreshold parses "500", "0.5" or "2%".
func ParseThreshold(s string) (Threshold, error) {
	in := strings.TrimSpace(s)
	num, pct := strings.CutSuffix(in, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(num, "xXpP_"):
		return Threshold{}, fmt.Errorf("bad min_change %q: write an amount like 500 or a percentage like 2%%", s)
	case f < 0:
		return Threshold{}, fmt.Errorf("min_change %q is negative", s)
	case pct:
		return Threshold{Pct: f}, nil
	}
	return Threshold{Abs: f}, nil
}

// Below reports whether the change from old to new is smaller than the
// threshold, so not worth an alert. Against an old value of 0 a percentage
// threshold lets every change through: any change is infinitely many percent.
func (t Threshold) Below(old, new float64) bool {
	delta := math.Abs(new - old)
	switch {
	case t.Abs > 0:
		return delta < t.Abs
	case t.Pct > 0:
		return old != 0 && delta < math.Abs(old)*t.Pct/100
	}
	return false
}

// String formats t as it is written.
func (t Threshold) String() string {
	if t.Pct > 0 {
		return strconv.FormatFloat(t.Pct, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(t.Abs, 'f', -1, 64)
}

// UnmarshalYAML decodes a threshold.
func (t *Threshold) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseThreshold(n.Value)
	if n.Kind != yaml.ScalarNode {
		err = fmt.Errorf("expected an amount like 500 or a percentage like 2%%, found %s", describe(n))
	}
	if err != nil {
		return valueError(n, err)
	}
	*t = v
	return nil
}

// month decodes fiscal_year_start: a month name ("October", "oct") or a
// number from 1 to 12.
type month time.Month

func (m *month) UnmarshalYAML(n *yaml.Node) error {
	v := strings.TrimSpace(n.Value)
	if i, err := strconv.Atoi(v); err == nil && i >= 1 && i <= 12 && n.Kind == yaml.ScalarNode {
		*m = month(i)
		return nil
	}
	var names []string
	for i := time.January; i <= time.December; i++ {
		name := strings.ToLower(i.String())
		if n.Kind == yaml.ScalarNode && len(v) >= 3 && strings.HasPrefix(name, strings.ToLower(v)) {
			*m = month(i)
			return nil
		}
		names = append(names, name)
	}
	msg := fmt.Sprintf("%s is not a month: write its name, like October, or its number, 1 to 12", describe(n))
	if s := Suggest(v, names); s != "" && n.Kind == yaml.ScalarNode {
		msg += fmt.Sprintf("; did you mean %q?", strings.ToUpper(s[:1])+s[1:])
	}
	return valueError(n, errors.New(msg))
}
