package store

import (
	"context"
	"slices"
	"testing"
)

// TestForEachItemOfReadsOneSource: a source's items only, not those of a
// source whose id it prefixes.
func TestForEachItemOfReadsOneSource(t *testing.T) {
	db := openTemp(t, Options{})
	ctx := context.Background()
	if err := db.Update(ctx, func(tx *Tx) error {
		for _, it := range []Item{{Source: "a", Key: "1"}, {Source: "ab", Key: "2"}, {Source: "a", Key: "3"}, {Source: "b", Key: "4"}} {
			if err := tx.PutItem(it); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		source string
		want   []string
	}{
		{"a", []string{"1", "3"}},
		{"ab", []string{"2"}},
		{"c", nil},
	}
	for _, tc := range tests {
		t.Run(tc.source, func(t *testing.T) {
			var got []string
			err := db.View(ctx, func(tx *Tx) error {
				return tx.ForEachItemOf(tc.source, func(it Item) error {
					got = append(got, it.Key)
					return nil
				})
			})
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("ForEachItemOf(%q) = %q, %v; want %q", tc.source, got, err, tc.want)
			}
		})
	}
}
