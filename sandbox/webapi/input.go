package webapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
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

// nullsKey holds, in a converted object, the fields the body set to null:
// absent for most purposes, but a partial update clears them.
const nullsKey = "\x00null"

func (f Fields) addNull(name string) {
	n, _ := f[nullsKey].([]string)
	f[nullsKey] = append(n, name)
}

// Nulls returns the fields the body set to null.
func (f Fields) Nulls() []string {
	n, _ := f[nullsKey].([]string)
	return n
}

// IsNullsKey reports whether k is the key Nulls keeps its list under, for
// code that copies Fields.
func IsNullsKey(k string) bool { return k == nullsKey }

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

// Convert turns a decoded JSON object into the fields of sp, as
// Magento\Framework\Webapi\ServiceInputProcessor::_createFromArray does:
// keys match getters after upperCamel, exact case; an unknown key is an
// error; of two keys naming one field the first wins; null values count as
// absent. A value of the wrong type is a SerializationException, wrapped
// with the key as the body wrote it: `Error occurred during "group_id"
// processing. The "abc" value's type is invalid. ...`, once per level.
// Anything but an object is an empty object, as Magento makes one of it.
func Convert(v any, sp *Spec) (Fields, error) {
	o, ok := v.(*Object)
	if !ok {
		arr, isList := v.([]any)
		if !isList || len(arr) == 0 {
			return Fields{}, nil
		}
		o = &Object{}
		for i, e := range arr {
			o.Keys = append(o.Keys, strconv.Itoa(i))
			o.Vals = append(o.Vals, e)
		}
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
			out.addNull(f.Name)
			continue
		}
		cv, err := convertValue(val, f, k)
		if err != nil {
			var ae *Error
			if errors.As(err, &ae) && ae.Serial {
				return nil, SerialError(Render(MsgFieldProcessing, map[string]any{"field_name": k, "details": ae.Message}))
			}
			return nil, err
		}
		if cv == nil {
			continue
		}
		out[f.Name] = cv
	}
	return out, nil
}

// scriptRE finds a script element in a string value, which Magento's web
// API refuses.
var scriptRE = regexp.MustCompile(`(?is)<script\b.*?>.*?</script\s*>`)

// convertValue converts one value to the field's type. key is the name the
// body gave it, for messages.
func convertValue(v any, f Field, key string) (any, error) {
	switch f.Kind {
	case KindString:
		s, err := asString(v)
		if err == nil && scriptRE.MatchString(s) {
			return nil, InputError(`"%field_name" does not contains valid value.`, map[string]any{"field_name": key})
		}
		return s, err
	case KindInt:
		return asInt(v)
	case KindBool:
		return asBool(v)
	case KindStrings:
		arr, ok := listValues(v)
		if !ok {
			return nil, typeErrorText(phpType(v), "string[]")
		}
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			out = append(out, phpString(e))
		}
		return out, nil
	case KindObject:
		return Convert(v, f.Sub)
	case KindObjects:
		arr, ok := listValues(v)
		if !ok {
			// TypeProcessor leaves a complex list that is not an array
			// unset.
			return nil, nil
		}
		if len(arr) > MaxComplexItems {
			return nil, MaxItemsError(f.Sub.typeName)
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
		return customAttributes(v)
	}
	return nil, fmt.Errorf("unknown field kind %d", f.Kind)
}

// CustomAttribute is one framework-attribute-interface of a request body:
// the attribute's code and its value as the body has it (a string,
// json.Number, bool, []any, *Object, or nil for null).
type CustomAttribute struct {
	Code  string
	Value any
}

// customAttributes converts a custom_attributes list as Magento's
// ServiceInputProcessor::convertCustomAttributeValue does: each entry needs
// an attribute code (attribute_code, or attributeCode) and a value key; a
// later entry for a code replaces the value of an earlier one, keeping its
// place.
func customAttributes(v any) ([]CustomAttribute, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, typeErrorText(phpType(v), `\Magento\Framework\Api\AttributeInterface[]`)
	}
	var out []CustomAttribute
	at := map[string]int{}
	for _, e := range arr {
		o, ok := e.(*Object)
		if !ok {
			return nil, typeErrorText(phpType(e), `\Magento\Framework\Api\AttributeInterface`)
		}
		var code, value any
		hasValue := false
		for i, k := range o.Keys {
			switch k {
			case "attribute_code":
				code = o.Vals[i]
			case "attributeCode":
				if code == nil {
					code = o.Vals[i]
				}
			case "value":
				value, hasValue = o.Vals[i], true
			}
		}
		name, _ := asString(code)
		switch {
		case name == "" && value == nil:
			return nil, SerialError("An empty custom attribute is specified. Enter the attribute and try again.")
		case name == "":
			return nil, SerialError("A custom attribute is specified with a missing attribute code. Verify the code and try again.")
		case !hasValue:
			return nil, SerialError(`The "` + name + `" attribute code doesn't have a value set. Enter the value and try again.`)
		}
		if i, dup := at[name]; dup {
			out[i].Value = value
			continue
		}
		at[name] = len(out)
		out = append(out, CustomAttribute{Code: name, Value: value})
	}
	return out, nil
}

// MaxComplexItems is the most items a list of data objects may hold in a
// synchronous request: Magento\Framework\Webapi\Validator\
// EntityArrayValidator's complexArrayItemLimit, 20 by default.
const MaxComplexItems = 20

// maxItemsError is EntityArrayValidator::validateComplexArrayType's
// refusal, an InvalidArgumentException (400, template and parameters).
func MaxItemsError(typeName string) *Error {
	return InputError(MsgMaxItems, map[string]any{"type": typeName, "max": MaxComplexItems})
}

// listValues returns the items of a JSON list, or the values of a JSON
// object in order (a PHP array either way); ok is false for a scalar.
func listValues(v any) ([]any, bool) {
	switch t := v.(type) {
	case []any:
		return t, true
	case *Object:
		return t.Vals, true
	}
	return nil, false
}

// serialError is a SerializationException with a finished message.
func SerialError(message string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message, Serial: true}
}

// typeErrorText is Magento\Framework\Reflection\TypeProcessor::
// processSimpleAndAnyType's refusal of value for typ, a
// SerializationException: Magento\Framework\Webapi\ServiceInputProcessor::
// process rethrows it as a Webapi\Exception, so the client reads the
// finished sentence and no parameters.
func typeErrorText(value, typ string) *Error {
	return SerialError(Render(MsgTypeInvalid, map[string]any{"value": value, "type": typ}))
}

// TypeError is typeErrorText for the JSON value v, shown as PHP's string
// of it ("array" for a list or an object).
func TypeError(v any, typ string) *Error {
	switch v.(type) {
	case []any, *Object:
		return typeErrorText("array", typ)
	}
	return typeErrorText(phpString(v), typ)
}

// phpString is PHP's (string) of a JSON scalar: true is "1", false and
// null "", numbers as PHP prints them; a list or object is "Array".
func phpString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return phpNumber(t)
	case bool:
		if t {
			return "1"
		}
		return ""
	case nil:
		return ""
	}
	return "Array"
}

// phpNumber prints a JSON number as PHP prints what json_decode made of it:
// integers as they are, floats in PHP's shortest form (1.0 is "1").
func phpNumber(n json.Number) string {
	if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		return n.String()
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil {
		return n.String()
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'G', -1, 64)
	if strings.Contains(s, "E") && !strings.Contains(s, ".") {
		s = strings.Replace(s, "E", ".0E", 1)
	}
	return s
}

// phpType is PHP's gettype of a decoded JSON value.
func phpType(v any) string {
	switch t := v.(type) {
	case string:
		return "string"
	case json.Number:
		if _, err := strconv.ParseInt(t.String(), 10, 64); err == nil {
			return "integer"
		}
		return "double"
	case bool:
		return "boolean"
	case nil:
		return "NULL"
	}
	return "array"
}

// numericRE is PHP 8's is_numeric for a string: optional whitespace, a
// sign, digits with an optional fraction and exponent, optional trailing
// whitespace.
var numericRE = regexp.MustCompile(`^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$`)

// asString is TypeProcessor's string conversion: any scalar becomes its
// PHP string; a list or object is refused as "array".
func asString(v any) (string, error) {
	switch v.(type) {
	case []any, *Object:
		return "", typeErrorText("array", "string")
	}
	return phpString(v), nil
}

// asInt is TypeProcessor::setType for int: the value must be numeric
// (is_numeric), then it is truncated as settype does ("1.5" is 1, "1e3" is
// 1000). The message shows the value as PHP's string of it.
func asInt(v any) (int64, error) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	case []any, *Object:
		return 0, typeErrorText("array", "int")
	default:
		return 0, typeErrorText(phpString(v), "int")
	}
	if !numericRE.MatchString(s) {
		return 0, typeErrorText(s, "int")
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.Abs(f) >= 1<<63 {
		return 0, typeErrorText(s, "int")
	}
	return int64(f), nil
}

// asBool is TypeProcessor::setType for bool: filter_var with
// FILTER_VALIDATE_BOOLEAN, which never refuses a scalar: "1", "true", "on"
// and "yes" (any case) are true, anything else false. A list or object is
// refused as "array".
func asBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case []any, *Object:
		return false, typeErrorText("array", "bool")
	}
	switch strings.ToLower(strings.TrimSpace(phpString(v))) {
	case "1", "true", "on", "yes":
		return true, nil
	}
	return false, nil
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
		cv, err := convertValue(val, Field{Name: p.Name, Kind: p.Kind, Sub: p.Sub}, p.Name)
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
