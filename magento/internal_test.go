package magento

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed"
)

func TestSubstitute(t *testing.T) {
	tests := []struct {
		name    string
		message string
		params  any
		want    string
	}{
		{"named", "No such entity with %fieldName = %fieldValue", map[string]any{"fieldName": "customerId", "fieldValue": float64(42)}, "No such entity with customerId = 42"},
		{"positional", "The password needs at least %1 characters.", []any{"8"}, "The password needs at least 8 characters."},
		{"two positional", "%1 and %2", []any{"a", float64(2)}, "a and 2"},
		{"missing named stays", "%fieldName is %other", map[string]any{"fieldName": "x"}, "x is %other"},
		{"out of range positional stays", "%2", []any{"a"}, "%2"},
		{"no parameters", "Decoding error.", nil, "Decoding error."},
		{"name is not a prefix of a longer name", "%field and %fieldName", map[string]any{"field": "a", "fieldName": "b"}, "a and b"},
		{"fraction", "max %max", map[string]any{"max": 2.5}, "max 2.5"},
		{"null value", "[%v]", map[string]any{"v": nil}, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := substitute(tt.message, tt.params); got != tt.want {
				t.Errorf("substitute(%q) = %q, want %q", tt.message, got, tt.want)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"localhost":         true,
		"LOCALHOST":         true,
		"app.localhost":     true,
		"127.0.0.1":         true,
		"127.8.9.10":        true,
		"::1":               true,
		"[::1]":             true,
		"10.0.0.1":          false,
		"192.0.2.1":         false,
		"shop.example.com":  false,
		"127.0.0.1.nip.io":  false,
		"localhost.example": false,
		"::ffff:10.0.0.1":   false,
	}
	for host, want := range tests {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"99999999999", 50 * time.Minute, true},
	}
	for _, tt := range tests {
		resp := &http.Response{Header: http.Header{}}
		if tt.header != "" {
			resp.Header.Set("Retry-After", tt.header)
		}
		got, ok := retryAfter(resp, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestJitterBounds(t *testing.T) {
	const minWait, maxWait = 100 * time.Millisecond, time.Second
	for attempt := range 40 {
		ceiling := min(maxWait, minWait<<min(attempt, 20))
		for range 50 {
			if got := jitter(minWait, maxWait, attempt); got < 0 || got >= ceiling {
				t.Fatalf("jitter(attempt %d) = %s, want in [0, %s)", attempt, got, ceiling)
			}
		}
	}
}

func TestCheckRetry(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}
	answer := func(status int, retryAfter string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		if retryAfter != "" {
			r.Header.Set("Retry-After", retryAfter)
		}
		return r
	}
	tests := []struct {
		kind retryKind
		resp *http.Response
		err  error
		want []bool // answers of successive calls with the same policy
	}{
		{retryIdempotent, answer(503, ""), nil, []bool{true, true, true}},
		{retryIdempotent, answer(502, ""), nil, []bool{true}},
		{retryIdempotent, answer(504, ""), nil, []bool{true}},
		{retryIdempotent, answer(429, "1"), nil, []bool{true}},
		{retryIdempotent, answer(429, "3600"), nil, []bool{false}},
		{retryIdempotent, answer(500, ""), nil, []bool{false}},
		{retryIdempotent, answer(400, ""), nil, []bool{false}},
		{retryIdempotent, answer(401, ""), nil, []bool{false}},
		{retryIdempotent, answer(404, ""), nil, []bool{false}},
		{retryIdempotent, nil, reset, []bool{true, true}},
		{retryIdempotent, nil, &url.Error{Op: "Get", URL: "https://x", Err: errRedirect}, []bool{false}},
		{retryCreate, answer(503, ""), nil, []bool{false}},
		{retryCreate, answer(502, ""), nil, []bool{false}},
		{retryCreate, answer(429, "1"), nil, []bool{true, true}},
		{retryCreate, nil, reset, []bool{false}},
		{retryCreate, nil, dial, []bool{true, true}},
		{retryToken, answer(401, ""), nil, []bool{false}},
		{retryToken, answer(400, ""), nil, []bool{false}},
		{retryToken, answer(503, ""), nil, []bool{true, true, true, true}},
		{retryToken, answer(502, ""), nil, []bool{true, true, false}},
		{retryToken, answer(504, ""), nil, []bool{true, true, false}},
		{retryToken, nil, reset, []bool{true, true, false}},
		{retryToken, nil, dial, []bool{true, true}},
		{retryToken, answer(429, "1"), nil, []bool{true, true}},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("kind %d, err %v", tt.kind, tt.err)
		if tt.resp != nil {
			name = fmt.Sprintf("kind %d, status %d", tt.kind, tt.resp.StatusCode)
		}
		t.Run(name, func(t *testing.T) {
			ctx := withPolicy(context.Background(), &policy{kind: tt.kind})
			var got []bool
			for range tt.want {
				retry, err := checkRetry(ctx, tt.resp, tt.err)
				if err != nil {
					t.Fatalf("checkRetry error: %v", err)
				}
				got = append(got, retry)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("retry decisions (-got +want):\n%s", diff)
			}
		})
	}
}

func TestCheckRetryCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	retry, err := checkRetry(ctx, &http.Response{StatusCode: 503, Header: http.Header{}}, nil)
	if retry || !errors.Is(err, context.Canceled) {
		t.Errorf("checkRetry after cancel = %v, %v; want false, context.Canceled", retry, err)
	}
}

func TestCustomerFromWire(t *testing.T) {
	one := 1
	yes := true
	d := CustomerData{
		ID: 5, Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe",
		WebsiteID: &one, GroupID: &one, StoreID: &one,
		Dob:            "1990-01-31 00:00:00",
		DefaultBilling: "12", DefaultShipping: "13",
		Addresses: []AddressData{
			{ID: 12, Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Mineola",
				CountryID: "US", Postcode: "11501", Telephone: "516-555-1111",
				Region: &RegionData{RegionCode: "NY", Region: "New York", RegionID: 43}, RegionID: intp(43)},
			{ID: 13, Firstname: "Jane", Lastname: "Doe", Street: []string{"1 Main St"}, City: "Paris",
				CountryID: "FR", Postcode: "75001", Telephone: "1", Company: "ACME", DefaultShipping: &yes},
		},
	}
	got := customerFromWire(d)
	want := mageseed.Customer{
		ID: 5, Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe",
		WebsiteID: 1, GroupID: intp(1), StoreID: intp(1), Dob: mageseed.String("1990-01-31"),
		DefaultBilling: 12, DefaultShipping: 13,
		Addresses: []mageseed.Address{
			{ID: 12, Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Mineola",
				CountryID: "US", Postcode: "11501", Telephone: "516-555-1111",
				Region: mageseed.Region{ID: 43, Code: "NY", Name: "New York"}, DefaultBilling: true},
			{ID: 13, Firstname: "Jane", Lastname: "Doe", Street: []string{"1 Main St"}, City: "Paris",
				CountryID: "FR", Postcode: "75001", Telephone: "1", Company: mageseed.String("ACME"), DefaultShipping: true},
		},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("customerFromWire (-got +want):\n%s", diff)
	}
}

func TestCustomerToWire(t *testing.T) {
	tests := []struct {
		name string
		in   mageseed.Customer
		want CustomerData
	}{
		{
			name: "only what the caller set",
			in:   mageseed.Customer{ID: 3, Email: "a@example.com", Firstname: "A", Lastname: "B", WebsiteID: 1, Password: "Secret123!"},
			want: CustomerData{ID: 3, Email: "a@example.com", Firstname: "A", Lastname: "B", WebsiteID: intp(1)},
		},
		{
			name: "optional fields and address flags",
			in: mageseed.Customer{Email: "a@example.com", Firstname: "A", Lastname: "B", WebsiteID: 1,
				GroupID: intp(2), Gender: intp(0), Middlename: mageseed.String("M"),
				Addresses: []mageseed.Address{{Key: "home", ID: 9, Street: []string{"x"}, CountryID: "US",
					Region: mageseed.Region{ID: 43, Code: "NY"}, DefaultBilling: true}}},
			want: CustomerData{Email: "a@example.com", Firstname: "A", Lastname: "B", WebsiteID: intp(1),
				GroupID: intp(2), Gender: intp(0), Middlename: "M",
				Addresses: []AddressData{{ID: 9, Street: []string{"x"}, CountryID: "US",
					Region: &RegionData{RegionCode: "NY", RegionID: 43}, RegionID: intp(43), DefaultBilling: boolp(true)}}},
		},
		{
			name: "defaults kept by id when no address carries a flag",
			in: mageseed.Customer{ID: 3, Email: "a@example.com", Firstname: "A", Lastname: "B", WebsiteID: 1,
				DefaultBilling: 9, DefaultShipping: 10,
				Addresses: []mageseed.Address{{ID: 9, CountryID: "FR", Region: mageseed.Region{Name: "Somewhere"}}}},
			want: CustomerData{ID: 3, Email: "a@example.com", Firstname: "A", Lastname: "B", WebsiteID: intp(1),
				DefaultBilling: "9",
				Addresses:      []AddressData{{ID: 9, CountryID: "FR", Region: &RegionData{Region: "Somewhere"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(customerToWire(tt.in), tt.want); diff != "" {
				t.Errorf("customerToWire (-got +want):\n%s", diff)
			}
		})
	}
}

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

func TestAssignKeys(t *testing.T) {
	addr := func(key string, id int, city string) mageseed.Address {
		return mageseed.Address{Key: key, ID: id, Firstname: "Jane", Lastname: "Doe", Street: []string{"1 Main St"}, City: city, CountryID: "US"}
	}
	tests := []struct {
		name string
		sent []mageseed.Address
		got  []mageseed.Address
		byID bool
		want []string
	}{
		{
			name: "create answered in another order",
			sent: []mageseed.Address{addr("home", 0, "Mineola"), addr("work", 0, "Boston")},
			got:  []mageseed.Address{addr("", 11, "boston"), addr("", 12, "Mineola")},
			want: []string{"work", "home"},
		},
		{
			name: "create: stale ids in the request are ignored",
			sent: []mageseed.Address{addr("home", 12, "Mineola"), addr("work", 11, "Boston")},
			got:  []mageseed.Address{addr("", 11, "Mineola"), addr("", 12, "Boston")},
			want: []string{"home", "work"},
		},
		{
			name: "content changed by the store: order decides",
			sent: []mageseed.Address{addr("home", 0, "Mineola"), addr("work", 0, "Boston")},
			got:  []mageseed.Address{addr("", 11, "MINEOLA CITY"), addr("", 12, "Boston")},
			want: []string{"home", "work"},
		},
		{
			name: "update: kept by id, new by content",
			sent: []mageseed.Address{addr("", 5, "Albany"), addr("home", 3, "Mineola"), addr("work", 0, "Boston")},
			got:  []mageseed.Address{addr("", 3, "Mineola"), addr("", 5, "Albany"), addr("", 8, "Boston")},
			byID: true,
			want: []string{"home", "", "work"},
		},
		{
			name: "update: the store answers fewer addresses",
			sent: []mageseed.Address{addr("home", 3, "Mineola"), addr("work", 0, "Boston")},
			got:  []mageseed.Address{addr("", 3, "Mineola")},
			byID: true,
			want: []string{"home"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assignKeys(tt.sent, tt.got, tt.byID)
			var keys []string
			for _, a := range tt.got {
				keys = append(keys, a.Key)
			}
			if diff := cmp.Diff(keys, tt.want); diff != "" {
				t.Errorf("keys (-got +want):\n%s", diff)
			}
		})
	}
}

// TestAnnounceWaitOnce: requests refused together with one Retry-After
// announce the wait once; a longer wait is announced again.
func TestAnnounceWaitOnce(t *testing.T) {
	var lines []string
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", Notify: func(msg string) { lines = append(lines, msg) }})
	if err != nil {
		t.Fatal(err)
	}
	c.announceWait(2*time.Second, 429)
	if len(lines) != 0 {
		t.Fatalf("a 2 s wait was announced: %q", lines)
	}
	for range 8 {
		c.announceWait(30*time.Second, 429)
	}
	if len(lines) != 1 {
		t.Fatalf("8 answers asking for one 30 s wait gave %d lines: %q", len(lines), lines)
	}
	c.announceWait(5*time.Minute, 503)
	if len(lines) != 2 || !strings.Contains(lines[1], "answered 503 and asked to wait 5m0s") {
		t.Fatalf("lines %q", lines)
	}
}
