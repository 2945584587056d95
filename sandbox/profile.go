package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed/sandbox/customer"
)

// Profile models a customised store: its own customer and address
// attributes, the configuration values that change how customers are
// created and signed in, its customer groups, tax classes and websites.
// The zero value is a stock Magento 2.4.8 store.
type Profile struct {
	CustomerAttributes []AttributeSpec
	AddressAttributes  []AttributeSpec
	Config             StoreConfig
	Groups             []GroupSpec
	TaxClasses         []TaxClassSpec
	Websites           []Website
}

// AttributeSpec is a user-defined EAV attribute of customers or addresses.
type AttributeSpec = customer.AttributeSpec

// StoreConfig holds the configuration values the sandbox honours.
type StoreConfig struct {
	// StreetLines is customer/address/street_lines, 1 to 20; 0 means
	// Magento's default, 2.
	StreetLines int
	// ConfirmAccounts is customer/create_account/confirm.
	ConfirmAccounts bool
	// AccountShareScope is customer/account_share/scope: "website" (the
	// default, also for "") or "global".
	AccountShareScope string
	// GuestCheckoutLogin is checkout/options/enable_guest_checkout_login
	// (off by default): on, POST /V1/customers/isEmailAvailable tells
	// whether an email has an account; off, it calls every email available.
	GuestCheckoutLogin bool
}

// GroupSpec is a customer group the store has.
type GroupSpec = customer.GroupSpec

// TaxClassSpec is a customer tax class besides Magento's stock
// "Retail Customer" (3).
type TaxClassSpec = customer.TaxClass

// Share scopes of customer/account_share/scope.
const (
	ShareWebsite = "website"
	ShareGlobal  = "global"
)

// Limits of the profile's values.
const (
	maxStreetLines     = customer.MaxStreetLines
	maxAttributeCode   = 60 // Eav\Model\Entity\Attribute::ATTRIBUTE_CODE_MAX_LENGTH
	groupCodeMaxLength = 32 // Customer\Model\Group::GROUP_CODE_MAX_LENGTH
)

// LoadProfile reads a profile file.
func LoadProfile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseProfile(path, data)
}

// ParseProfile reads a profile from data; name is the file name errors
// carry. Unknown keys, values of the wrong type and invalid values are
// errors of the form "name:line:col: path: reason"; all of them are
// reported, in order.
func ParseProfile(name string, data []byte) (*Profile, error) {
	p := &Profile{}
	pp := &profileParser{file: name}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return p, nil
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	pp.profile(root, p)
	if len(pp.errs) > 0 {
		errs := make([]error, len(pp.errs))
		for i, e := range pp.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	return p, nil
}

type profileParser struct {
	file       string
	errs       []profileError
	groupNodes []*yaml.Node // the groups' nodes, for the check of their tax classes
}

func (pp *profileParser) fail(n *yaml.Node, path, format string, args ...any) {
	pp.errs = append(pp.errs, profileError{
		pos: [2]int{n.Line, n.Column},
		msg: fmt.Sprintf("%s:%d:%d: %s: %s", pp.file, n.Line, n.Column, path, fmt.Sprintf(format, args...)),
	})
}

// profileError is one mistake in a profile, with its position.
type profileError struct {
	pos [2]int
	msg string
}

func (e profileError) Error() string { return e.msg }

// mapping walks a mapping node, calling set for each known key and
// reporting unknown keys and duplicates.
func (pp *profileParser) mapping(n *yaml.Node, path string, keys map[string]func(v *yaml.Node, path string)) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		if path == "" {
			path = "(profile)"
		}
		pp.fail(n, path, "must be a mapping")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := k.Value
		if path != "" {
			sub = path + "." + k.Value
		}
		set, ok := keys[k.Value]
		if !ok {
			pp.fail(k, sub, "unknown key")
			continue
		}
		if seen[k.Value] {
			pp.fail(k, sub, "duplicate key")
			continue
		}
		seen[k.Value] = true
		set(v, sub)
	}
}

// sequence walks a sequence node.
func (pp *profileParser) sequence(n *yaml.Node, path string, each func(v *yaml.Node, path string)) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		pp.fail(n, path, "must be a list")
		return
	}
	for i, v := range n.Content {
		each(v, fmt.Sprintf("%s[%d]", path, i))
	}
}

func (pp *profileParser) str(n *yaml.Node, path string, dst *string) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Tag == "!!map" || n.Tag == "!!seq" {
		pp.fail(n, path, "must be a string")
		return
	}
	*dst = n.Value
}

func (pp *profileParser) integer(n *yaml.Node, path string, dst *int) bool {
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		pp.fail(n, path, "must be an integer")
		return false
	}
	*dst = v
	return true
}

func (pp *profileParser) boolean(n *yaml.Node, path string, dst *bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		pp.fail(n, path, "must be true or false")
		return
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		pp.fail(n, path, "must be true or false")
		return
	}
	*dst = b
}

func (pp *profileParser) profile(n *yaml.Node, p *Profile) {
	pp.mapping(n, "", map[string]func(*yaml.Node, string){
		"customerAttributes": func(v *yaml.Node, path string) {
			p.CustomerAttributes = pp.attributes(v, path, customer.EntityCustomer, "customer")
		},
		"addressAttributes": func(v *yaml.Node, path string) {
			p.AddressAttributes = pp.attributes(v, path, customer.EntityAddress, "address")
		},
		"config": func(v *yaml.Node, path string) {
			pp.mapping(v, path, map[string]func(*yaml.Node, string){
				"streetLines": func(v *yaml.Node, path string) {
					if pp.integer(v, path, &p.Config.StreetLines) && (p.Config.StreetLines < 1 || p.Config.StreetLines > maxStreetLines) {
						pp.fail(v, path, "must be between 1 and %d", maxStreetLines)
					}
				},
				"confirmAccounts": func(v *yaml.Node, path string) { pp.boolean(v, path, &p.Config.ConfirmAccounts) },
				"guestCheckoutLogin": func(v *yaml.Node, path string) {
					pp.boolean(v, path, &p.Config.GuestCheckoutLogin)
				},
				"accountShareScope": func(v *yaml.Node, path string) {
					pp.str(v, path, &p.Config.AccountShareScope)
					if s := p.Config.AccountShareScope; s != ShareWebsite && s != ShareGlobal {
						pp.fail(v, path, "must be %q or %q", ShareWebsite, ShareGlobal)
					}
				},
			})
		},
		"groups": func(v *yaml.Node, path string) {
			seen := map[string]bool{}
			pp.sequence(v, path, func(v *yaml.Node, path string) {
				var g GroupSpec
				pp.mapping(v, path, map[string]func(*yaml.Node, string){
					"code":       func(v *yaml.Node, path string) { pp.str(v, path, &g.Code) },
					"taxClassId": func(v *yaml.Node, path string) { pp.integer(v, path, &g.TaxClassID) },
				})
				switch key := strings.ToLower(g.Code); {
				case strings.TrimSpace(g.Code) == "":
					pp.fail(v, path+".code", "is required")
				case len([]rune(g.Code)) > groupCodeMaxLength:
					pp.fail(v, path+".code", "must be at most %d characters", groupCodeMaxLength)
				case seen[key]:
					pp.fail(v, path+".code", "duplicate group code %q", g.Code)
				default:
					seen[key] = true
				}
				p.Groups = append(p.Groups, g)
				pp.groupNodes = append(pp.groupNodes, v)
			})
		},
		"taxClasses": func(v *yaml.Node, path string) {
			seen := map[int]bool{}
			pp.sequence(v, path, func(v *yaml.Node, path string) {
				var t TaxClassSpec
				pp.mapping(v, path, map[string]func(*yaml.Node, string){
					"id":   func(v *yaml.Node, path string) { pp.integer(v, path, &t.ID) },
					"name": func(v *yaml.Node, path string) { pp.str(v, path, &t.Name) },
				})
				switch {
				case t.ID <= 3:
					pp.fail(v, path+".id", "must be above 3 (1 to 3 are Magento's stock tax classes)")
				case seen[t.ID]:
					pp.fail(v, path+".id", "duplicate tax class id %d", t.ID)
				case strings.TrimSpace(t.Name) == "":
					pp.fail(v, path+".name", "is required")
				}
				seen[t.ID] = true
				p.TaxClasses = append(p.TaxClasses, t)
			})
		},
		"websites": func(v *yaml.Node, path string) {
			pp.sequence(v, path, func(v *yaml.Node, path string) {
				var w Website
				pp.mapping(v, path, map[string]func(*yaml.Node, string){
					"code":      func(v *yaml.Node, path string) { pp.str(v, path, &w.Code) },
					"name":      func(v *yaml.Node, path string) { pp.str(v, path, &w.Name) },
					"storeCode": func(v *yaml.Node, path string) { pp.str(v, path, &w.StoreCode) },
					"storeName": func(v *yaml.Node, path string) { pp.str(v, path, &w.StoreName) },
				})
				if w.Code == "" {
					pp.fail(v, path+".code", "is required")
				}
				p.Websites = append(p.Websites, w)
			})
		},
	})
	// Cross-checks that need the whole profile.
	taxIDs := map[int]bool{3: true} // Retail Customer
	for _, t := range p.TaxClasses {
		taxIDs[t.ID] = true
	}
	for i, g := range p.Groups {
		if g.TaxClassID != 0 && !taxIDs[g.TaxClassID] {
			pp.fail(pp.groupNodes[i], fmt.Sprintf("groups[%d].taxClassId", i), "%d is not a customer tax class (3, or one of taxClasses)", g.TaxClassID)
		}
	}
	sort.SliceStable(pp.errs, func(i, j int) bool {
		a, b := pp.errs[i].pos, pp.errs[j].pos
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
}

var attributeCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// attributeInputs are the inputs a profile attribute may have.
var attributeInputs = func() map[string]bool {
	out := map[string]bool{}
	for _, in := range customer.AttributeInputs() {
		out[in] = true
	}
	return out
}()

var inputValidations = map[string]bool{"length": true, "alphanumeric": true, "numeric": true, "alpha": true, "email": true, "url": true}

func (pp *profileParser) attributes(n *yaml.Node, path, entity, entityName string) []AttributeSpec {
	var out []AttributeSpec
	seen := map[string]bool{}
	pp.sequence(n, path, func(v *yaml.Node, path string) {
		var a AttributeSpec
		hasLen := false
		pp.mapping(v, path, map[string]func(*yaml.Node, string){
			"code":     func(v *yaml.Node, path string) { pp.str(v, path, &a.Code) },
			"input":    func(v *yaml.Node, path string) { pp.str(v, path, &a.Input) },
			"label":    func(v *yaml.Node, path string) { pp.str(v, path, &a.Label) },
			"required": func(v *yaml.Node, path string) { pp.boolean(v, path, &a.Required) },
			"maxLength": func(v *yaml.Node, path string) {
				hasLen = true
				if pp.integer(v, path, &a.MaxLength) && a.MaxLength < 1 {
					pp.fail(v, path, "must be at least 1")
				}
			},
			"minLength": func(v *yaml.Node, path string) {
				hasLen = true
				if pp.integer(v, path, &a.MinLength) && a.MinLength < 1 {
					pp.fail(v, path, "must be at least 1")
				}
			},
			"inputValidation": func(v *yaml.Node, path string) {
				pp.str(v, path, &a.InputValidation)
				if !inputValidations[a.InputValidation] {
					pp.fail(v, path, "must be one of length, alphanumeric, numeric, alpha, email, url")
				}
			},
			"options": func(v *yaml.Node, path string) {
				labels := map[string]bool{}
				pp.sequence(v, path, func(v *yaml.Node, path string) {
					var s string
					pp.str(v, path, &s)
					if strings.TrimSpace(s) == "" {
						pp.fail(v, path, "must not be empty")
					} else if labels[s] {
						pp.fail(v, path, "duplicate option %q", s)
					}
					labels[s] = true
					a.Options = append(a.Options, s)
				})
			},
			"sortOrder": func(v *yaml.Node, path string) { pp.integer(v, path, &a.SortOrder) },
		})
		if a.Input == "" {
			a.Input = "text"
		}
		switch {
		case a.Code == "":
			pp.fail(v, path+".code", "is required")
		case !attributeCodeRE.MatchString(a.Code) || len(a.Code) > maxAttributeCode:
			pp.fail(v, path+".code", "%q must be lower-case letters, digits and _, start with a letter, at most %d characters", a.Code, maxAttributeCode)
		case customer.IsStockAttribute(entity, a.Code):
			pp.fail(v, path+".code", "%q is one of Magento's stock %s attributes", a.Code, entityName)
		case seen[a.Code]:
			pp.fail(v, path+".code", "duplicate attribute code %q", a.Code)
		}
		seen[a.Code] = true
		if !attributeInputs[a.Input] {
			pp.fail(v, path+".input", "%q must be one of text, textarea, select, multiselect, date, boolean", a.Input)
		}
		textual := a.Input == "text" || a.Input == "textarea"
		if (hasLen || a.InputValidation != "") && !textual {
			pp.fail(v, path, "lengths and inputValidation apply to text and textarea attributes only")
		}
		if a.MinLength > 0 && a.MaxLength > 0 && a.MinLength > a.MaxLength {
			pp.fail(v, path+".minLength", "must not be above maxLength")
		}
		listed := a.Input == "select" || a.Input == "multiselect"
		if listed && len(a.Options) == 0 {
			pp.fail(v, path+".options", "a %s attribute needs options", a.Input)
		}
		if !listed && a.Options != nil {
			pp.fail(v, path+".options", "options apply to select and multiselect attributes only")
		}
		out = append(out, a)
	})
	return out
}

// customerConfig turns the profile's attributes, groups and tax classes
// into the customer module's configuration.
func (p *Profile) customerConfig() customer.Config {
	var cfg customer.Config
	cfg.CustomerAttributes = append(cfg.CustomerAttributes, p.CustomerAttributes...)
	cfg.AddressAttributes = append(cfg.AddressAttributes, p.AddressAttributes...)
	cfg.Groups = append(cfg.Groups, p.Groups...)
	cfg.TaxClasses = append(cfg.TaxClasses, p.TaxClasses...)
	return cfg
}

// configValues returns the configuration values by path: base (Options.
// Config) with the profile's config over it. A path both set to different
// values is an error.
func (p *Profile) configValues(base map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	set := func(path, v string) error {
		if old, ok := out[path]; ok && strings.TrimSpace(old) != v {
			return fmt.Errorf("%s is %q in Options.Config and %q in the profile", path, old, v)
		}
		out[path] = v
		return nil
	}
	if n := p.Config.StreetLines; n != 0 {
		if n < 1 || n > maxStreetLines {
			return nil, fmt.Errorf("config.streetLines %d: must be between 1 and %d", n, maxStreetLines)
		}
		if err := set(customer.ConfigStreetLines, strconv.Itoa(n)); err != nil {
			return nil, err
		}
	}
	if p.Config.ConfirmAccounts {
		if err := set(customer.ConfigConfirm, "1"); err != nil {
			return nil, err
		}
	}
	if p.Config.GuestCheckoutLogin {
		if err := set(customer.ConfigGuestCheckoutLogin, "1"); err != nil {
			return nil, err
		}
	}
	switch p.Config.AccountShareScope {
	case "":
	case ShareGlobal:
		if err := set(customer.ConfigShareScope, "0"); err != nil {
			return nil, err
		}
	case ShareWebsite:
		if err := set(customer.ConfigShareScope, "1"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("config.accountShareScope %q: must be %q or %q", p.Config.AccountShareScope, ShareWebsite, ShareGlobal)
	}
	return out, nil
}

// StreetLines returns the profile's street lines, Magento's default 2 when
// it does not say.
func (p *Profile) StreetLines() int {
	if p.Config.StreetLines == 0 {
		return 2
	}
	return p.Config.StreetLines
}

// ShareScope returns the profile's account sharing scope, ShareWebsite
// when it does not say.
func (p *Profile) ShareScope() string {
	if p.Config.AccountShareScope == "" {
		return ShareWebsite
	}
	return p.Config.AccountShareScope
}
