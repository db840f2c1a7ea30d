package config_test

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/figwatch/watcher/internal/config"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "30s", want: 30 * time.Second},
		{in: "15m", want: 15 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: " 72h ", want: 72 * time.Hour},
		{in: "3d", want: 72 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "-5s", want: -5 * time.Second}, // sign is the caller's business
		{in: "-30d", want: -30 * 24 * time.Hour},
		{in: "-1d12h", want: -36 * time.Hour},
		{in: "0", want: 0}, // zero needs no unit
		{in: "-0", want: 0},
		{in: "--3d", wantErr: `bad duration "--3d": write it like 30s, 15m, 72h or 3d`},
		{in: "-3dd", wantErr: `bad duration "-3dd": write it like 30s, 15m, 72h or 3d`},
		{in: "30", wantErr: `duration "30" has no unit: write it like 30s, 30m or 30h`},
		{in: "", wantErr: "empty duration"},
		{in: "soon", wantErr: `bad duration "soon": write it like 30s, 15m, 72h or 3d`},
		{in: "1d-5h", wantErr: `bad duration "1d-5h": write it like 30s, 15m, 72h or 3d`},
		{in: "2w", wantErr: `bad duration "2w": write it like 30s, 15m, 72h or 3d`},
		{in: "999999999999d", wantErr: `duration "999999999999d" is too long`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := config.ParseDuration(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseDuration(%q) = %v, %v; want error %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Std() != tc.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		10 * time.Minute:          "10m",
		time.Hour:                 "1h",
		72 * time.Hour:            "72h",
		90 * time.Second:          "1m30s",
		2*time.Hour + time.Minute: "2h1m",
		5 * time.Second:           "5s",
		0:                         "0s",
	} {
		if got := config.Duration(d).String(); got != want {
			t.Errorf("Duration(%v).String() = %q, want %q", d, got, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "10MiB", want: 10 << 20},
		{in: "10 MiB", want: 10 << 20},
		{in: "10mib", want: 10 << 20},
		{in: "512KiB", want: 512 << 10},
		{in: "1KB", want: 1000},
		{in: "1.5MB", want: 1500000},
		{in: "2GiB", want: 2 << 30},
		{in: "1GB", want: 1e9},
		{in: "4096", want: 4096},
		{in: "100B", want: 100},
		{in: "10 parsecs", wantErr: `bad size "10 parsecs": unknown unit "parsecs" (use B, KB, KiB, MB, MiB, GB or GiB)`},
		{in: "-1MiB", wantErr: `bad size "-1MiB": write it like 512KiB, 10MiB or 1GB`},
		{in: "MiB", wantErr: `bad size "MiB": write it like 512KiB, 10MiB or 1GB`},
		{in: "99999999999GiB", wantErr: `size "99999999999GiB" is too large`},
		{in: "9999999999.5GiB", wantErr: `size "9999999999.5GiB" is too large`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := config.ParseSize(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseSize(%q) = %v, %v; want error %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || int64(got) != tc.want {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	t.Parallel()
	for s, want := range map[config.Size]string{10 << 20: "10MiB", 1536: "1536B", 1000: "1000B", 0: "0B", 2 << 30: "2GiB"} {
		if got := s.String(); got != want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(s), got, want)
		}
	}
}

func TestParseRatio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{in: "5%", want: 0.05},
		{in: "2.5%", want: 0.025},
		{in: "0.05", want: 0.05},
		{in: "0", want: 0},
		{in: "100%", want: 1},
		{in: "1", want: 1},
		{in: "5", wantErr: `ratio "5" is more than 1: write 5% for a percentage`},
		{in: "150%", wantErr: `ratio "150%" is more than 100%`},
		{in: "-1%", wantErr: `ratio "-1%" is negative`},
		{in: "%", wantErr: `bad ratio "%": write it like 5% or 0.05`},
		{in: "NaN", wantErr: `bad ratio "NaN": write it like 5% or 0.05`},
		{in: "0x1p-2", wantErr: `bad ratio "0x1p-2": write it like 5% or 0.05`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := config.ParseRatio(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseRatio(%q) = %v, %v; want error %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || float64(got) != tc.want {
				t.Fatalf("ParseRatio(%q) = %v, %v; want %v", tc.in, float64(got), err, tc.want)
			}
		})
	}
	for r, want := range map[config.Ratio]string{0.05: "5%", 0.07: "7%", 0.025: "2.5%", 0: "0%", 1: "100%"} {
		if got := r.String(); got != want {
			t.Errorf("Ratio(%v).String() = %q, want %q", float64(r), got, want)
		}
	}
}

// TestUnitsDecodeFromYAML covers the yaml.Unmarshaler methods other
// packages can use to decode these types in their own YAML (fixtures).
func TestUnitsDecodeFromYAML(t *testing.T) {
	t.Parallel()
	var v struct {
		D config.Duration `yaml:"d"`
		S config.Size     `yaml:"s"`
		R config.Ratio    `yaml:"r"`
	}
	if err := yaml.Unmarshal([]byte("d: 15m\ns: 1MiB\nr: 5%\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v.D.Std() != 15*time.Minute || v.S != 1<<20 || v.R != 0.05 {
		t.Errorf("decoded %+v", v)
	}
	out, err := yaml.Marshal(v)
	if err != nil || string(out) != "d: 15m\ns: 1MiB\nr: 5%\n" {
		t.Errorf("Marshal = %q, %v", out, err)
	}
	if err := yaml.Unmarshal([]byte("d: 15\n"), &v); err == nil {
		t.Error("a duration without a unit decoded")
	}
}
