package outputs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// parseDotenv reads back an outputs file in the dotenv format, so that a
// later run starts from it like from a json or yaml file. Names are
// upper-cased and sanitised when written, so customer and address keys
// come back lower-cased with "_" for other characters ("Jane-Doe" becomes
// "jane_doe"); writing them again gives the same variable names.
func parseDotenv(src []byte) (*File, error) {
	vars := make(map[string]string)
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, raw, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(name, "MAGESEED_") {
			return nil, fmt.Errorf("line %d: want MAGESEED_NAME=value", n)
		}
		v, err := dotenvUnquote(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		name = strings.TrimPrefix(name, "MAGESEED_")
		vars[name] = v
		names = append(names, name)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}

	o := New(Store{})
	o.Store.URL = vars["STORE_URL"]
	o.Store.StoreCode = vars["STORE_CODE"]
	o.Store.WebsiteID, _ = strconv.Atoi(vars["STORE_WEBSITE_ID"])
	o.Store.Sandbox = vars["STORE_SANDBOX"]

	// Every customer has an _EMAIL line: it names the customer keys. The
	// longest key that prefixes a name owns it.
	var keys []string
	for _, name := range names {
		if k, ok := strings.CutSuffix(name, "_EMAIL"); ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, name := range names {
		if strings.HasPrefix(name, "STORE_") && (name == "STORE_URL" || name == "STORE_CODE" || name == "STORE_WEBSITE_ID" || name == "STORE_SANDBOX") {
			continue
		}
		var key, field string
		for _, k := range keys {
			if rest, ok := strings.CutPrefix(name, k+"_"); ok {
				key, field = k, rest
				break
			}
		}
		if key == "" || !customerField(field) {
			// A group's id (MAGESEED_GROUP_<KEY>_ID), else not ours:
			// ignore it. validate refuses customer keys that write a
			// group's name.
			if gk, ok := groupName(name); ok {
				if o.Groups == nil {
					o.Groups = make(map[string]Group)
				}
				id, _ := strconv.Atoi(vars[name])
				o.Groups[gk] = Group{ID: id}
			}
			continue
		}
		ck := strings.ToLower(key)
		c := o.Customers[ck]
		v := vars[name]
		switch field {
		case "ID":
			c.ID, _ = strconv.Atoi(v)
		case "EMAIL":
			c.Email = v
		case "WEBSITE_ID":
			c.WebsiteID, _ = strconv.Atoi(v)
		case "GROUP_ID":
			c.GroupID, _ = strconv.Atoi(v)
		case "TOKEN":
			c.Token = v
		case "TOKEN_EXPIRES_AT":
			c.TokenExpiresAt = v
		default:
			rest, ok := strings.CutPrefix(field, "ADDRESS_")
			if !ok {
				continue
			}
			for _, suffix := range []string{"_ID", "_DEFAULT_BILLING", "_DEFAULT_SHIPPING"} {
				ak, ok := strings.CutSuffix(rest, suffix)
				if !ok {
					continue
				}
				ak = strings.ToLower(ak)
				if c.Addresses == nil {
					c.Addresses = make(map[string]Address)
				}
				a := c.Addresses[ak]
				switch suffix {
				case "_ID":
					a.ID, _ = strconv.Atoi(v)
				case "_DEFAULT_BILLING":
					a.DefaultBilling = v == "true"
				case "_DEFAULT_SHIPPING":
					a.DefaultShipping = v == "true"
				}
				c.Addresses[ak] = a
				break
			}
		}
		o.Customers[ck] = c
	}
	return o, nil
}

// customerField reports whether field (a name after its customer key) is
// one that a customer record writes.
func customerField(field string) bool {
	switch field {
	case "ID", "EMAIL", "WEBSITE_ID", "GROUP_ID", "TOKEN", "TOKEN_EXPIRES_AT":
		return true
	}
	rest, ok := strings.CutPrefix(field, "ADDRESS_")
	if !ok {
		return false
	}
	for _, suffix := range []string{"_ID", "_DEFAULT_BILLING", "_DEFAULT_SHIPPING"} {
		if strings.HasSuffix(rest, suffix) {
			return true
		}
	}
	return false
}

// groupName returns the group key (read back lower-cased) of a group's
// variable name, GROUP_<KEY>_ID without MAGESEED_.
func groupName(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "GROUP_")
	if !ok {
		return "", false
	}
	key, ok := strings.CutSuffix(rest, "_ID")
	if !ok || key == "" {
		return "", false
	}
	return strings.ToLower(key), true
}

// DotenvKey is the key under which a dotenv file gives back the record of
// customer (or address) key: upper-cased and sanitised when written, read
// back lower-cased ("Jane-Doe" is written MAGESEED_JANE_DOE_... and read
// back as "jane_doe").
func DotenvKey(key string) string {
	return strings.ToLower(sanitizeName(key, false))
}

// dotenvUnquote reads a value as dotenvQuote writes it: bare, or in single
// quotes with '\” for a quote inside.
func dotenvUnquote(raw string) (string, error) {
	if !strings.HasPrefix(raw, "'") {
		return raw, nil
	}
	var b strings.Builder
	s := raw
	for {
		if !strings.HasPrefix(s, "'") {
			return "", errors.New("bad quoting")
		}
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", errors.New("unterminated quote")
		}
		b.WriteString(s[1 : 1+end])
		s = s[2+end:]
		if s == "" {
			return b.String(), nil
		}
		if !strings.HasPrefix(s, `\'`) {
			return "", errors.New("bad quoting")
		}
		b.WriteByte('\'')
		s = s[2:]
	}
}
