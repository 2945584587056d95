package magento

import "testing"

// TestStrnatcmp checks the port of PHP's strnatcmp against answers of
// PHP 8 (ext/standard/strnatcmp.c).
func TestStrnatcmp(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"img12", "img10", 1},
		{"img2", "img10", -1},
		{"img10", "img10", 0},
		{"a01", "a1", -1}, // a run starting with 0 compares digit by digit
		{"007", "7", 0},   // leading zeros at the start are skipped
		{"x%5B2%5D", "x%5B10%5D", -1},
		{"x%5B10%5D", "x%5B9%5D", 1},
		{"c%40", "c2", -1},
		{"", "a", -1},
		{"a", "", 1},
		{"ab", "a", 1},
	}
	for _, tt := range tests {
		if got := strnatcmp(tt.a, tt.b); got != tt.want {
			t.Errorf("strnatcmp(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
