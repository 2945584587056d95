package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// object is a decoded JSON object that keeps its key order, which Magento's
// rules depend on (of two keys that name the same field, the first wins).
type object struct {
	keys []string
	vals []any
}

// maxDepth is the nesting limit of PHP's json_decode: deeper bodies are a
// decoding error in Magento.
const maxDepth = 512

// decodeOrdered decodes one JSON value; objects become *object, numbers
// json.Number.
func decodeOrdered(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth > maxDepth {
			return nil, errors.New("nested too deep")
		}
		switch t {
		case '{':
			o := &object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.vals = append(o.vals, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	default:
		return tok, nil
	}
}

// kind is the type of a field of a Magento data interface.
type kind int

const (
	kString kind = iota
	kInt
	kBool
	kStrings    // string[]
	kObject     // a nested data interface (sub)
	kObjects    // a list of them (sub)
	kCustomAttr // framework-attribute-interface[]
)

// field is one field of a data interface: its snake_case name (the key of
// the converted value) and its type.
type field struct {
	name string
	kind kind
	sub  *spec
}

// spec is a data interface: its fields by getter name (UpperCamel, exact
// case, as Magento's NameFinder looks them up).
type spec struct {
	typeName string
	byGetter map[string]field
}

func newSpec(typeName string, fs ...field) *spec {
	s := &spec{typeName: typeName, byGetter: map[string]field{}}
	for _, f := range fs {
		s.byGetter[upperCamel(f.name)] = f
	}
	return s
}

// upperCamel converts a key as Magento's SimpleDataObjectConverter does:
// upper-case the first letter and each letter after "_", drop the "_".
// So "group_id" and "groupId" both give "GroupId", while "firstName" gives
// "FirstName", which matches no getter of getFirstname.
func upperCamel(key string) string {
	var b strings.Builder
	up := true
	for _, r := range key {
		if r == '_' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	regionSpec = newSpec(`\Magento\Customer\Api\Data\RegionInterface`,
		field{name: "region_code"}, field{name: "region"}, field{name: "region_id", kind: kInt},
		field{name: "extension_attributes", kind: kObject, sub: newSpec(`\Magento\Customer\Api\Data\RegionExtensionInterface`)},
	)
	addressSpec = newSpec(`\Magento\Customer\Api\Data\AddressInterface`,
		field{name: "id", kind: kInt}, field{name: "customer_id", kind: kInt},
		field{name: "region", kind: kObject, sub: regionSpec}, field{name: "region_id", kind: kInt},
		field{name: "country_id"}, field{name: "street", kind: kStrings}, field{name: "company"},
		field{name: "telephone"}, field{name: "fax"}, field{name: "postcode"}, field{name: "city"},
		field{name: "firstname"}, field{name: "lastname"}, field{name: "middlename"},
		field{name: "prefix"}, field{name: "suffix"}, field{name: "vat_id"},
		field{name: "default_shipping", kind: kBool}, field{name: "default_billing", kind: kBool},
		field{name: "extension_attributes", kind: kObject, sub: newSpec(`\Magento\Customer\Api\Data\AddressExtensionInterface`)},
		field{name: "custom_attributes", kind: kCustomAttr},
	)
	customerSpec = newSpec(`\Magento\Customer\Api\Data\CustomerInterface`,
		field{name: "id", kind: kInt}, field{name: "group_id", kind: kInt},
		field{name: "default_billing"}, field{name: "default_shipping"}, field{name: "confirmation"},
		field{name: "created_at"}, field{name: "updated_at"}, field{name: "created_in"},
		field{name: "dob"}, field{name: "email"}, field{name: "firstname"}, field{name: "lastname"},
		field{name: "middlename"}, field{name: "prefix"}, field{name: "suffix"},
		field{name: "gender", kind: kInt}, field{name: "store_id", kind: kInt}, field{name: "taxvat"},
		field{name: "website_id", kind: kInt},
		field{name: "addresses", kind: kObjects, sub: addressSpec},
		field{name: "disable_auto_group_change", kind: kInt},
		field{name: "extension_attributes", kind: kObject, sub: newSpec(`\Magento\Customer\Api\Data\CustomerExtensionInterface`,
			field{name: "is_subscribed", kind: kBool}, field{name: "assistance_allowed", kind: kInt})},
		field{name: "custom_attributes", kind: kCustomAttr},
	)
)

// fields is a converted data object: the keys are the snake_case field
// names of the keys the body set to non-null values. Values are string,
// int64, bool, []string, fields or []fields.
type fields map[string]any

func (f fields) has(name string) bool { _, ok := f[name]; return ok }

func (f fields) str(name string) string {
	s, _ := f[name].(string)
	return s
}

func (f fields) num(name string) (int64, bool) {
	n, ok := f[name].(int64)
	return n, ok
}

func (f fields) flag(name string) bool {
	b, _ := f[name].(bool)
	return b
}

func (f fields) sub(name string) fields {
	s, _ := f[name].(fields)
	return s
}

// convert turns a decoded JSON object into the fields of sp, enforcing
// Magento's key rules: keys match getters after upperCamel, exact case; an
// unknown key is an error; of two keys naming one field the first wins;
// null values count as absent.
func convert(v any, sp *spec) (fields, error) {
	o, ok := v.(*object)
	if !ok {
		return nil, typeError(v, sp.typeName)
	}
	out := fields{}
	seen := map[string]bool{}
	for i, k := range o.keys {
		getter := upperCamel(k)
		f, ok := sp.byGetter[getter]
		if !ok {
			return nil, inputError(msgNotSupported, map[string]any{"fieldName": getter})
		}
		if seen[f.name] {
			continue
		}
		seen[f.name] = true
		val := o.vals[i]
		if val == nil {
			continue
		}
		cv, err := convertValue(val, f)
		if err != nil {
			return nil, err
		}
		out[f.name] = cv
	}
	return out, nil
}

// scriptRE finds a script element in a string value, which Magento's web
// API refuses.
var scriptRE = regexp.MustCompile(`(?is)<script\b.*?>.*?</script\s*>`)

func convertValue(v any, f field) (any, error) {
	switch f.kind {
	case kString:
		s, err := asString(v)
		if err == nil && scriptRE.MatchString(s) {
			return nil, inputError(`"%field_name" does not contains valid value.`, map[string]any{"field_name": f.name})
		}
		return s, err
	case kInt:
		return asInt(v)
	case kBool:
		return asBool(v)
	case kStrings:
		arr, ok := v.([]any)
		if !ok {
			return nil, typeError(v, "string[]")
		}
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			if e == nil {
				out = append(out, "")
				continue
			}
			s, err := asString(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case kObject:
		return convert(v, f.sub)
	case kObjects:
		arr, ok := v.([]any)
		if !ok {
			return nil, typeError(v, f.sub.typeName+"[]")
		}
		out := make([]fields, 0, len(arr))
		for _, e := range arr {
			fe, err := convert(e, f.sub)
			if err != nil {
				return nil, err
			}
			out = append(out, fe)
		}
		return out, nil
	case kCustomAttr:
		arr, ok := v.([]any)
		if !ok {
			return nil, typeError(v, `\Magento\Framework\Api\AttributeInterface[]`)
		}
		for _, e := range arr {
			o, ok := e.(*object)
			if !ok {
				return nil, typeError(e, `\Magento\Framework\Api\AttributeInterface`)
			}
			hasCode := false
			for i, k := range o.keys {
				if (k == "attribute_code" || k == "attributeCode") && o.vals[i] != nil {
					hasCode = true
				}
			}
			if !hasCode {
				return nil, inputError("An empty custom attribute is specified. Enter the attribute and try again.", nil)
			}
		}
		// The sandbox defines no custom attributes; Magento ignores
		// unknown ones.
		return nil, nil
	}
	return nil, fmt.Errorf("unknown field kind %d", f.kind)
}

func typeError(v any, typ string) *apiError {
	return inputError(msgTypeInvalid, map[string]any{"value": describe(v), "type": typ})
}

// describe renders a JSON value for an error message.
func describe(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "1"
		}
		return ""
	case nil:
		return ""
	case []any:
		return "array"
	case *object:
		return "object"
	}
	return fmt.Sprint(v)
}

func asString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		if t {
			return "1", nil
		}
		return "", nil
	}
	return "", typeError(v, "string")
}

func asInt(v any) (int64, error) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	default:
		return 0, typeError(v, "int")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), nil
	}
	return 0, typeError(v, "int")
}

func asBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case json.Number:
		switch t.String() {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
	case string:
		switch strings.ToLower(t) {
		case "1", "true":
			return true, nil
		case "0", "false", "":
			return false, nil
		}
	}
	return false, typeError(v, "bool")
}

// param is a top-level parameter of a service method.
type param struct {
	name     string // camelCase, as the PHP method names it
	required bool
	kind     kind
	sub      *spec
}

// params reads a body's top-level parameters: each may be written in
// camelCase or snake_case; unknown keys are ignored, as Magento ignores
// them; missing required ones are reported together. A body that is not an
// object has no parameters.
func params(body any, ps ...param) (fields, error) {
	o, ok := body.(*object)
	if !ok {
		// A list or a scalar has none of the named parameters; Magento
		// reports them missing.
		o = &object{}
	}
	out := fields{}
	var missing inputErrors
	for _, p := range ps {
		snake := snakeCase(p.name)
		var val any
		found := false
		for i, k := range o.keys {
			if (k == p.name || k == snake) && o.vals[i] != nil {
				val, found = o.vals[i], true
				break
			}
		}
		if !found {
			if p.required {
				missing.add(requiredError(p.name))
			}
			continue
		}
		cv, err := convertValue(val, field{name: p.name, kind: p.kind, sub: p.sub})
		if err != nil {
			return nil, err
		}
		out[p.name] = cv
	}
	if err := missing.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// snakeCase converts a camelCase name to snake_case.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r + ('a' - 'A'))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
