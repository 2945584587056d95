// Package outputs owns the outputs file, mageseed's state: the record of
// every customer mageseed created or adopted in a store (ids, address ids,
// tokens), read and written in four formats (json, yaml, dotenv, github),
// always replaced atomically.
//
// A record stays in the file until mageseed deletes its customer (destroy,
// apply --prune) or is told to forget it. A file belongs to one store, named
// in it; mageseed never overwrites a file that is not one of its own (see
// ErrForeign). docs/state.md is the user's guide to the file.
package outputs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed"
)

// Version is the version of the outputs file format.
const Version = 1

// ErrForeign is the error Read and Parse return, wrapped, for a file that is
// not a mageseed outputs file. mageseed never overwrites such a file.
var ErrForeign = errors.New("not a mageseed outputs file")

// File is the outputs file: what later pipeline steps need from a run
// (customer and address ids, customer tokens). Its JSON form is described by
// schemas/outputs.schema.json.
type File struct {
	Version   int                 `json:"version" yaml:"version"`
	Store     Store               `json:"store" yaml:"store"`
	Customers map[string]Customer `json:"customers" yaml:"customers"`
	// Groups are the manifest's customer groups by key, with their ids in
	// the store (in the dotenv format MAGESEED_GROUP_<KEY>_ID, in
	// $GITHUB_OUTPUT groups_<key>_id; read back from dotenv without codes).
	Groups map[string]Group `json:"groups,omitempty" yaml:"groups,omitempty"`
}

// Group is one customer group's record, under its manifest key.
type Group struct {
	ID   int    `json:"id" yaml:"id"`
	Code string `json:"code" yaml:"code"`
}

// Store names the store the records belong to.
type Store struct {
	URL       string `json:"url" yaml:"url"`
	StoreCode string `json:"storeCode" yaml:"storeCode"`
	WebsiteID int    `json:"websiteId" yaml:"websiteId"`

	// Sandbox is the database path of the embedded sandbox (--sandbox),
	// which identifies it: it listens on another port on every run.
	Sandbox string `json:"sandbox,omitempty" yaml:"sandbox,omitempty"`
}

// Same reports whether s and t are the same store: the same sandbox
// database, or else the same base URL (scheme and host case-insensitive, a
// trailing slash ignored); and the same store code.
func (s Store) Same(t Store) bool {
	if s.StoreCode != t.StoreCode {
		return false
	}
	if s.Sandbox != "" || t.Sandbox != "" {
		return s.Sandbox != "" && t.Sandbox != "" && filepath.Clean(s.Sandbox) == filepath.Clean(t.Sandbox)
	}
	return normURL(s.URL) == normURL(t.URL)
}

func normURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String()
}

// String names the store for messages.
func (s Store) String() string {
	if s.Sandbox != "" {
		return fmt.Sprintf("the sandbox with database %s (store code %s)", s.Sandbox, s.StoreCode)
	}
	return fmt.Sprintf("%s (store code %s)", s.URL, s.StoreCode)
}

// Customer is one customer's record, under its manifest key.
type Customer struct {
	ID        int                `json:"id" yaml:"id"`
	Email     string             `json:"email" yaml:"email"`
	WebsiteID int                `json:"websiteId" yaml:"websiteId"`
	GroupID   int                `json:"groupId" yaml:"groupId"`
	Addresses map[string]Address `json:"addresses,omitempty" yaml:"addresses,omitempty"`

	// Token is the customer access token, when the manifest asks for one.
	// It is a secret: only the outputs file holds it.
	Token          string `json:"token,omitempty" yaml:"token,omitempty"`
	TokenExpiresAt string `json:"tokenExpiresAt,omitempty" yaml:"tokenExpiresAt,omitempty"` // RFC 3339, UTC
}

// Address is one address's record, under its manifest key.
type Address struct {
	ID              int  `json:"id" yaml:"id"`
	DefaultBilling  bool `json:"defaultBilling" yaml:"defaultBilling"`
	DefaultShipping bool `json:"defaultShipping" yaml:"defaultShipping"`
}

// New returns an empty file for store s.
func New(s Store) *File {
	return &File{Version: Version, Store: s, Customers: make(map[string]Customer)}
}

// Read reads an outputs file in any format Writer writes (json, yaml,
// dotenv; told from the content) and returns it with its format. Keys read
// from a dotenv file are lower-cased (see parseDotenv). A file that is not
// mageseed's gives an error wrapping ErrForeign; a missing file one
// wrapping fs.ErrNotExist.
func Read(path string) (*File, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read outputs: %w", err)
	}
	o, format, err := Parse(b)
	if err != nil {
		return nil, "", fmt.Errorf("read outputs %s: %w", path, err)
	}
	return o, format, nil
}

// topKeys are the keys of a json or yaml outputs file.
var topKeys = map[string]bool{"version": true, "store": true, "customers": true}

// Parse parses the content of an outputs file and tells its format. An
// empty file (or one of comments only) is an empty outputs file. Content
// that is not an object with exactly version, store and customers, or a
// dotenv file of MAGESEED_ variables, is foreign (ErrForeign).
func Parse(b []byte) (*File, string, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return New(Store{}), FormatJSON, nil
	}
	if isDotenv(b) {
		o, err := parseDotenv(b)
		return o, FormatDotenv, err
	}
	var o File
	format := FormatJSON
	if t[0] == '{' {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(t, &top); err != nil {
			return nil, "", fmt.Errorf("%w (%s)", ErrForeign, parseProblem(err, t))
		}
		if err := checkTop(keysOf(top)); err != nil {
			return nil, "", err
		}
		if err := json.Unmarshal(t, &o); err != nil {
			return nil, "", fmt.Errorf("decode: %s", parseProblem(err, t))
		}
	} else {
		format = FormatYAML
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, "", fmt.Errorf("%w (%s)", ErrForeign, parseProblem(err, b))
		}
		if len(doc.Content) == 0 {
			return New(Store{}), FormatYAML, nil // comments only
		}
		top := doc.Content[0]
		if top.Kind != yaml.MappingNode {
			return nil, "", fmt.Errorf("%w (not a mapping)", ErrForeign)
		}
		var keys []string
		for i := 0; i+1 < len(top.Content); i += 2 {
			keys = append(keys, top.Content[i].Value)
		}
		if err := checkTop(keys); err != nil {
			return nil, "", err
		}
		if err := top.Decode(&o); err != nil {
			return nil, "", fmt.Errorf("decode: %s", parseProblem(err, b))
		}
	}
	if o.Version != Version {
		return nil, "", fmt.Errorf("version %d is not supported (want %d)", o.Version, Version)
	}
	if o.Customers == nil {
		o.Customers = make(map[string]Customer)
	}
	return &o, format, nil
}

// parseProblem describes err, met parsing b, without quoting b: the
// messages of encoding/json and yaml.v3 quote what they met, which may be
// part of a token. A JSON syntax error is given by line; the values yaml.v3
// quotes in `backquotes` are left out.
func parseProblem(err error, b []byte) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
		return fmt.Sprintf("line %d: not valid JSON", line)
	}
	return backquoted.ReplaceAllString(err.Error(), "a value")
}

var backquoted = regexp.MustCompile("`[^`]*`")

func keysOf(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// checkTop checks the top-level keys of a json or yaml file: all three of
// version, store and customers, groups maybe, and nothing else.
func checkTop(keys []string) error {
	seen := 0
	for _, k := range keys {
		if k == "groups" {
			continue
		}
		if !topKeys[k] {
			return fmt.Errorf("%w (it has a key %q)", ErrForeign, k)
		}
		seen++
	}
	if seen != len(topKeys) {
		return fmt.Errorf("%w (it lacks one of version, store, customers)", ErrForeign)
	}
	return nil
}

// isDotenv reports whether b looks like a dotenv outputs file: its first
// line that is neither blank nor a comment sets a MAGESEED_ variable.
func isDotenv(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return strings.HasPrefix(line, "MAGESEED_")
	}
	return false
}

// Forget removes the records of keys and reports the keys it did not hold.
func (o *File) Forget(keys ...string) (unknown []string) {
	for _, k := range keys {
		if _, ok := o.Customers[k]; !ok {
			unknown = append(unknown, k)
			continue
		}
		delete(o.Customers, k)
	}
	return unknown
}

// Lookup returns the value at a dotted path such as "customers.jane.token"
// or "customers.jane.addresses.home.id": strings raw, numbers and booleans
// as their JSON text, objects as JSON. A key that itself contains dots is
// found too ("customers.a.b.id" finds the customer "a.b"). It reports
// false when the path does not exist.
func (o *File) Lookup(path string) (string, bool) {
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

// Recall sets the ID of each desired address to the store address that
// prev, the outputs of the last apply, records under the same customer and
// address key, when the customer's email and website are still those
// recorded. Diff then recognises an address whose content the manifest
// changed as that address, updated in place, instead of adding a new one
// beside it; a recorded id that is no longer among the customer's addresses
// is ignored. Without outputs, addresses are matched by content alone.
func Recall(desired []mageseed.Customer, prev *File) {
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

// Rekey files each record under the key the manifest now gives its
// customer: a record whose customer (email, website) a desired customer
// declares under another key moves to that key, and a second record of a
// customer that is already recorded under its declared key is dropped. A
// renamed key, or a key a dotenv file gave back lower-cased, is then the
// same customer, never a customer the manifest no longer declares.
func (o *File) Rekey(desired []mageseed.Customer) {
	type identity struct {
		email   string
		website int
	}
	id := func(email string, website int) identity {
		return identity{strings.ToLower(strings.TrimSpace(email)), website}
	}
	declared := make(map[identity]string, len(desired))
	for i := range desired {
		declared[id(desired[i].Email, desired[i].WebsiteID)] = desired[i].Key
	}
	for k, c := range o.Customers {
		want, ok := declared[id(c.Email, c.WebsiteID)]
		if !ok || want == k {
			continue
		}
		delete(o.Customers, k)
		if _, taken := o.Customers[want]; !taken {
			o.Customers[want] = c
		}
	}
}
