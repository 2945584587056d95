package magento_test

import (
	"testing"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
)

func TestStatusOf(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{mageseed.EINVALID, 400},
		{mageseed.ECONFLICT, 400},
		{mageseed.ENOTFOUND, 404},
		{mageseed.EUNAUTHORIZED, 401},
		{mageseed.ERATELIMIT, 429},
		{mageseed.EUNAVAILABLE, 503},
		{mageseed.EINTERNAL, 500},
		{"no such code", 500},
	}
	for _, tt := range tests {
		if got := magento.StatusOf(tt.code); got != tt.want {
			t.Errorf("StatusOf(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		message string
		want    string
	}{
		{"success", 200, "", ""},
		{"accepted", 202, "", ""},
		{"already exists", 400, magento.AlreadyExistsMessage, mageseed.ECONFLICT},
		{"validation", 400, `"%fieldName" is required. Enter and try again.`, mageseed.EINVALID},
		{"acl", 401, "The consumer isn't authorized to access %resources.", mageseed.EUNAUTHORIZED},
		{"forbidden", 403, "", mageseed.EUNAUTHORIZED},
		{"not found", 404, "No such entity with %fieldName = %fieldValue", mageseed.ENOTFOUND},
		{"too large", 413, "", mageseed.EINVALID},
		{"rate limited", 429, "", mageseed.ERATELIMIT},
		{"internal", 500, "Internal Error.", mageseed.EUNAVAILABLE},
		{"unavailable", 503, "", mageseed.EUNAVAILABLE},
		{"redirect", 302, "", mageseed.EINTERNAL},
	}
	for _, tt := range tests {
		if got := magento.CodeOf(tt.status, tt.message); got != tt.want {
			t.Errorf("%s: CodeOf(%d, %q) = %q, want %q", tt.name, tt.status, tt.message, got, tt.want)
		}
	}
	// Every code's status maps back to the code, except ECONFLICT (a 400
	// that needs its message) and EINTERNAL (a 500 is an unknown outcome).
	for _, code := range []string{mageseed.EINVALID, mageseed.ENOTFOUND, mageseed.EUNAUTHORIZED, mageseed.ERATELIMIT, mageseed.EUNAVAILABLE} {
		if got := magento.CodeOf(magento.StatusOf(code), ""); got != code {
			t.Errorf("CodeOf(StatusOf(%q)) = %q", code, got)
		}
	}
}
