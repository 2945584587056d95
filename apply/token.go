package apply

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// TokenExpiry returns when token expires, in RFC 3339 UTC: the JWT's exp
// claim when the token is a JWT (three base64url parts), else now plus
// lifetime. It returns "" for an empty token.
func TokenExpiry(token string, now time.Time, lifetime time.Duration) string {
	if token == "" {
		return ""
	}
	if exp, ok := jwtExpiry(token); ok {
		return exp.UTC().Format(time.RFC3339)
	}
	return now.Add(lifetime).UTC().Format(time.RFC3339)
}

// jwtExpiry reads the exp claim of a JWT, without checking its signature
// (the store did that; we only want the date).
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 || f > math.MaxInt32*100 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}
