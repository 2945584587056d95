package apply

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/mageseed/mageseed"
	"time"
)

// OutputsVersion is the version of the outputs file format.
const OutputsVersion = 1

// Outputs is the outputs file: what later pipeline steps need from a run
// (customer and address ids, customer tokens). Its JSON form is described by
// schemas/outputs.schema.json.
type Outputs struct {
	Version   int                       `json:"version"`
	Store     StoreOutput               `json:"store"`
	Customers map[string]CustomerOutput `json:"customers"`
}

// StoreOutput names the store the outputs came from.
type StoreOutput struct {
	URL       string `json:"url"`
	StoreCode string `json:"storeCode"`
	WebsiteID int    `json:"websiteId"`
}

// CustomerOutput is one customer's entry, under its manifest key.
type CustomerOutput struct {
	ID        int                      `json:"id"`
	Email     string                   `json:"email"`
	WebsiteID int                      `json:"websiteId"`
	GroupID   int                      `json:"groupId"`
	Addresses map[string]AddressOutput `json:"addresses,omitempty"`

	// Token is the customer access token, when the manifest asks for one.
	// It is a secret: only the outputs file holds it.
	Token          string `json:"token,omitempty"`
	TokenExpiresAt string `json:"tokenExpiresAt,omitempty"` // RFC 3339, UTC
}

// AddressOutput is one address's entry, under its manifest key.
type AddressOutput struct {
	ID              int  `json:"id"`
	DefaultBilling  bool `json:"defaultBilling"`
	DefaultShipping bool `json:"defaultShipping"`
}

// ReadOutputs reads an outputs file in any format OutputsWriter writes
// (json, the yaml it writes, dotenv; told from the content). Keys read
// from a dotenv file are lower-cased (see parseDotenv).
func ReadOutputs(path string) (*Outputs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read outputs: %w", err)
	}
	o, err := ParseOutputs(b)
	if err != nil {
		return nil, fmt.Errorf("read outputs %s: %w", path, err)
	}
	return o, nil
}

// ParseOutputs parses the content of an outputs file.
func ParseOutputs(b []byte) (*Outputs, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, errors.New("empty file")
	}
	if bytes.HasPrefix(t, []byte("MAGESEED_")) || bytes.Contains(t, []byte("\nMAGESEED_")) {
		return parseDotenv(b)
	}
	if t[0] != '{' {
		j, err := yamlToJSON(b)
		if err != nil {
			return nil, err
		}
		t = j
	}
	var o Outputs
	dec := json.NewDecoder(bytes.NewReader(t))
	if err := dec.Decode(&o); err != nil {
		// A syntax error quotes the character it met, which may be part
		// of a token: say where instead.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(t[:min(int(se.Offset), len(t))], []byte("\n"))
			return nil, fmt.Errorf("decode: line %d: not valid JSON", line)
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	if o.Version != OutputsVersion {
		return nil, fmt.Errorf("version %d is not supported (want %d)", o.Version, OutputsVersion)
	}
	if o.Customers == nil {
		o.Customers = make(map[string]CustomerOutput)
	}
	return &o, nil
}

// Lookup returns the value at a dotted path such as "customers.jane.token"
// or "customers.jane.addresses.home.id": strings raw, numbers and booleans
// as their JSON text, objects as JSON. A key that itself contains dots is
// found too ("customers.a.b.id" finds the customer "a.b"). It reports
// false when the path does not exist.
func (o *Outputs) Lookup(path string) (string, bool) {
	b, err := json.Marshal(o)
	if err != nil {
		return "", false
	}
	var root any
	if err := json.Unmarshal(b, &root); err != nil {
		return "", false
	}
	if path = strings.Trim(path, "."); path == "" {
		return string(indentJSON(b)), true
	}
	v, ok := walk(root, strings.Split(path, "."))
	if !ok {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return fmt.Sprintf("%d", int64(v)), true
		}
		return fmt.Sprint(v), true
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", false
		}
		return string(indentJSON(b)), true
	}
}

// walk follows path through nested JSON objects, trying the shortest key
// first at each level and longer dotted keys after.
func walk(v any, path []string) (any, bool) {
	if len(path) == 0 {
		return v, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	for n := 1; n <= len(path); n++ {
		if child, ok := m[strings.Join(path[:n], ".")]; ok {
			if got, ok := walk(child, path[n:]); ok {
				return got, true
			}
		}
	}
	return nil, false
}

func indentJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return b
	}
	return buf.Bytes()
}

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

// writeFileAtomic replaces path with what write writes: a temporary file in
// the same directory, mode 0600, synced, then renamed over path. A reader
// sees the old content or the new one, never a part.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	if err := write(f); err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write outputs %s: %w", path, err)
	}
	// Make the rename durable; not every file system supports syncing a
	// directory, so a failure here is not an error.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Recall sets the ID of each desired address to the store address that
// prev, the outputs of the last apply, records under the same customer and
// address key, when the customer's email and website are still those
// recorded. Diff then recognises an address whose content the manifest
// changed as that address, updated in place, instead of adding a new one
// beside it; a recorded id that is no longer among the customer's addresses
// is ignored. Without outputs, addresses are matched by content alone.
func Recall(desired []mageseed.Customer, prev *Outputs) {
	if prev == nil {
		return
	}
	for i := range desired {
		c := &desired[i]
		o, ok := prev.Customers[c.Key]
		if !ok || !strings.EqualFold(strings.TrimSpace(o.Email), strings.TrimSpace(c.Email)) || o.WebsiteID != c.WebsiteID {
			continue
		}
		for j := range c.Addresses {
			a := &c.Addresses[j]
			if ao, ok := o.Addresses[a.Key]; ok && a.Key != "" {
				a.ID = ao.ID
			}
		}
	}
}
