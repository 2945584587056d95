package webapi

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

// Object is a decoded JSON object that keeps its key order, which Magento's
// rules depend on (of two keys that name the same field, the first wins).
type Object struct {
	Keys []string
	Vals []any
}

// maxDepth is the nesting limit of PHP's json_decode: deeper bodies are a
// decoding error in Magento.
const maxDepth = 512

// DecodeOrdered decodes one JSON value; objects become *Object, numbers
// json.Number.
func DecodeOrdered(raw []byte) (any, error) {
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
			o := &Object{}
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
				o.Keys = append(o.Keys, k)
				o.Vals = append(o.Vals, v)
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

// Kind is the type of a field of a Magento data interface.
type Kind int

const (
	KindString Kind = iota
	KindInt
	KindBool
	KindStrings          // string[]
	KindObject           // a nested data interface (Sub)
	KindObjects          // a list of them (Sub)
	KindCustomAttributes // framework-attribute-interface[]
)

// Field is one field of a data interface: its snake_case name (the key of
// the converted value) and its type.
type Field struct {
	Name string
	Kind Kind
	Sub  *Spec // the data interface of KindObject and KindObjects
}

// Spec is a data interface: its fields by getter name (UpperCamel, exact
// case, as Magento's NameFinder looks them up).
type Spec struct {
	typeName string
	byGetter map[string]Field
}

// NewSpec returns the data interface typeName with the fields fs.
func NewSpec(typeName string, fs ...Field) *Spec {
	s := &Spec{typeName: typeName, byGetter: map[string]Field{}}
	for _, f := range fs {
		s.byGetter[UpperCamel(f.Name)] = f
	}
	return s
}

// UpperCamel converts a key as Magento's SimpleDataObjectConverter does:
// upper-case the first letter and each letter after "_", drop the "_".
// So "group_id" and "groupId" both give "GroupId", while "firstName" gives
// "FirstName", which matches no getter of getFirstname.
func UpperCamel(key string) string {
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

// Fields is a converted data object: the keys are the snake_case field
// names of the keys the body set to non-null values. Values are string,
// int64, bool, []string, Fields or []Fields.
type Fields map[string]any

// Has reports whether the body set the field.
func (f Fields) Has(name string) bool { _, ok := f[name]; return ok }

// Str returns a string field, or "".
func (f Fields) Str(name string) string {
	s, _ := f[name].(string)
	return s
}

// Num returns an int field and whether it is set.
func (f Fields) Num(name string) (int64, bool) {
	n, ok := f[name].(int64)
	return n, ok
}

// Flag returns a bool field, or false.
func (f Fields) Flag(name string) bool {
	b, _ := f[name].(bool)
	return b
}

// Sub returns a nested object field, or nil.
func (f Fields) Sub(name string) Fields {
	s, _ := f[name].(Fields)
	return s
}

// Convert turns a decoded JSON object into the fields of sp, enforcing
// Magento's key rules: keys match getters after UpperCamel, exact case; an
// unknown key is an error; of two keys naming one field the first wins;
// null values count as absent.
func Convert(v any, sp *Spec) (Fields, error) {
	o, ok := v.(*Object)
	if !ok {
		return nil, TypeError(v, sp.typeName)
	}
	out := Fields{}
	seen := map[string]bool{}
	for i, k := range o.Keys {
		getter := UpperCamel(k)
		f, ok := sp.byGetter[getter]
		if !ok {
			return nil, InputError(MsgNotSupported, map[string]any{"fieldName": getter})
		}
		if seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		val := o.Vals[i]
		if val == nil {
			continue
		}
		cv, err := convertValue(val, f)
		if err != nil {
			return nil, err
		}
		out[f.Name] = cv
	}
	return out, nil
}

// scriptRE finds a script element in a string value, which Magento's web
// API refuses.
var scriptRE = regexp.MustCompile(`(?is)<script\b.*?>.*?</script\s*>`)

func convertValue(v any, f Field) (any, error) {
	switch f.Kind {
	case KindString:
		s, err := asString(v)
		if err == nil && scriptRE.MatchString(s) {
			return nil, InputError(`"%field_name" does not contains valid value.`, map[string]any{"field_name": f.Name})
		}
		return s, err
	case KindInt:
		return asInt(v)
	case KindBool:
		return asBool(v)
	case KindStrings:
		arr, ok := v.([]any)
		if !ok {
			return nil, TypeError(v, "string[]")
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
	case KindObject:
		return Convert(v, f.Sub)
	case KindObjects:
		arr, ok := v.([]any)
		if !ok {
			return nil, TypeError(v, f.Sub.typeName+"[]")
		}
		out := make([]Fields, 0, len(arr))
		for _, e := range arr {
			fe, err := Convert(e, f.Sub)
			if err != nil {
				return nil, err
			}
			out = append(out, fe)
		}
		return out, nil
	case KindCustomAttributes:
		arr, ok := v.([]any)
		if !ok {
			return nil, TypeError(v, `\Magento\Framework\Api\AttributeInterface[]`)
		}
		for _, e := range arr {
			o, ok := e.(*Object)
			if !ok {
				return nil, TypeError(e, `\Magento\Framework\Api\AttributeInterface`)
			}
			hasCode := false
			for i, k := range o.Keys {
				if (k == "attribute_code" || k == "attributeCode") && o.Vals[i] != nil {
					hasCode = true
				}
			}
			if !hasCode {
				return nil, InputError("An empty custom attribute is specified. Enter the attribute and try again.", nil)
			}
		}
		// The sandbox defines no custom attributes; Magento ignores
		// unknown ones.
		return nil, nil
	}
	return nil, fmt.Errorf("unknown field kind %d", f.Kind)
}

// TypeError is Magento's error for a value of the wrong type.
func TypeError(v any, typ string) *Error {
	return InputError(MsgTypeInvalid, map[string]any{"value": describe(v), "type": typ})
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
	case *Object:
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
	return "", TypeError(v, "string")
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
		return 0, TypeError(v, "int")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), nil
	}
	return 0, TypeError(v, "int")
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
	return false, TypeError(v, "bool")
}

// Param is a top-level parameter of a service method.
type Param struct {
	Name     string // camelCase, as the PHP method names it
	Required bool
	Kind     Kind
	Sub      *Spec
}

// Params reads a body's top-level parameters: each may be written in
// camelCase or snake_case; unknown keys are ignored, as Magento ignores
// them; missing required ones are reported together. A body that is not an
// object has no parameters.
func Params(body any, ps ...Param) (Fields, error) {
	o, ok := body.(*Object)
	if !ok {
		// A list or a scalar has none of the named parameters; Magento
		// reports them missing.
		o = &Object{}
	}
	out := Fields{}
	var missing InputErrors
	for _, p := range ps {
		snake := SnakeCase(p.Name)
		var val any
		found := false
		for i, k := range o.Keys {
			if (k == p.Name || k == snake) && o.Vals[i] != nil {
				val, found = o.Vals[i], true
				break
			}
		}
		if !found {
			if p.Required {
				missing.Add(RequiredError(p.Name))
			}
			continue
		}
		cv, err := convertValue(val, Field{Name: p.Name, Kind: p.Kind, Sub: p.Sub})
		if err != nil {
			return nil, err
		}
		out[p.Name] = cv
	}
	if err := missing.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// SnakeCase converts a camelCase name to snake_case.
func SnakeCase(s string) string {
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

// MustNum returns an int field, or 0 when it is not set.
func MustNum(f Fields, name string) int64 {
	n, _ := f.Num(name)
	return n
}

// EncodeOrdered encodes a decoded JSON value back to JSON, keeping the key
// order of objects.
func EncodeOrdered(v any) []byte {
	var b bytes.Buffer
	writeOrdered(&b, v)
	return b.Bytes()
}

func writeOrdered(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case *Object:
		b.WriteByte('{')
		for i, k := range t.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			writeOrdered(b, t.Vals[i])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeOrdered(b, e)
		}
		b.WriteByte(']')
	default:
		eb, err := json.Marshal(t)
		if err != nil {
			eb = []byte("null")
		}
		b.Write(eb)
	}
}
