package apply

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestTokenExpiry(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	jwt := func(payload string) string {
		return enc([]byte(`{"alg":"HS256"}`)) + "." + enc([]byte(payload)) + ".sig"
	}
	now := time.Date(2026, 11, 27, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name, token, want string
	}{
		{"opaque token", "fl0o0yr1xota4w88negpwfsle38807yb", "2026-11-27T13:00:00Z"},
		{"jwt with exp", jwt(`{"uid":2,"utypid":3,"iat":1795784400,"exp":1795788000}`), "2026-11-27T14:00:00Z"},
		{"jwt with fractional exp", jwt(`{"exp":1795788000.5}`), "2026-11-27T14:00:00Z"},
		{"jwt without exp", jwt(`{"uid":2}`), "2026-11-27T13:00:00Z"},
		{"padded payload", strings.Replace(jwt(`{"exp":1795788000}`), ".sig", "", 1) + "==.sig", "2026-11-27T14:00:00Z"},
		{"three parts, not base64", "a.b!.c", "2026-11-27T13:00:00Z"},
		{"three parts, not JSON", enc([]byte("x")) + "." + enc([]byte("not json")) + ".c", "2026-11-27T13:00:00Z"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TokenExpiry(tt.token, now, time.Hour); got != tt.want {
				t.Errorf("TokenExpiry = %q, want %q", got, tt.want)
			}
		})
	}
}
