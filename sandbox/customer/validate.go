package customer

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Password policy, Magento's defaults.
const (
	passwordMaxLength       = 256 // AccountManagement::MAX_PASSWORD_LENGTH
	passwordMinLength       = 8   // customer/password/minimum_password_length
	passwordRequiredClasses = 3   // customer/password/required_character_classes_number
)

// checkPasswordPolicy checks the password policy in Magento's order, then that
// the password differs from the email.
func checkPasswordPolicy(pass, email string) *webapi.Error {
	n := utf8.RuneCountInString(pass)
	if n > passwordMaxLength {
		return webapi.NewError(http.StatusBadRequest, "Please enter a password with at most %1 characters.", []any{strconv.Itoa(passwordMaxLength)})
	}
	if n < passwordMinLength {
		return webapi.NewError(http.StatusBadRequest, "The password needs at least %1 characters. Create a new password and try again.", []any{strconv.Itoa(passwordMinLength)})
	}
	if strings.TrimSpace(pass) != pass {
		return webapi.NewError(http.StatusBadRequest, "The password can't begin or end with a space. Verify the password and try again.", nil)
	}
	var digit, upper, lower, other bool
	for _, r := range pass {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{digit, upper, lower, other} {
		if b {
			classes++
		}
	}
	if classes < passwordRequiredClasses {
		return webapi.NewError(http.StatusBadRequest, "Minimum of different classes of characters in password is %1. Classes of characters: Lower Case, Upper Case, Digits, Special Characters.",
			[]any{strconv.Itoa(passwordRequiredClasses)})
	}
	if strings.EqualFold(pass, email) {
		return webapi.NewError(http.StatusBadRequest, "The password can't be the same as the email address. Create a new password and try again.", nil)
	}
	return nil
}

// nameRE is Magento's name pattern (Validator\Name), anchored: Magento
// requires the whole value to match.
var nameRE = regexp.MustCompile(`^[\p{L}\p{M},\-_.'\s\d]{1,255}$`)

// emailRE accepts the addresses Magento's email validator accepts in
// practice: a dot-atom local part and a host name with a top-level domain.
var emailRE = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)

// telephoneRE is Magento's telephone pattern (2.4.8).
var telephoneRE = regexp.MustCompile(`^[\d\s+().\/ -]{1,20}$`)

func requiredValue(label string) *webapi.Error {
	return webapi.NewError(http.StatusBadRequest, `"%1" is a required value.`, []any{label})
}

// validateCustomer checks a customer's own fields as Magento's EAV and
// customer validators do, in their order, and normalises dob. The errors
// are one validator exception.
//
// custom are the messages of the user-defined attributes, which Magento's
// EAV validator reports after the stock attributes'.
func validateCustomer(rec *customerRec, now time.Time, custom []*webapi.Error) *webapi.Error {
	var errs webapi.ValidatorErrors
	if strings.TrimSpace(rec.Firstname) == "" {
		errs.Add(requiredValue("First Name"))
	}
	if strings.TrimSpace(rec.Lastname) == "" {
		errs.Add(requiredValue("Last Name"))
	}
	for _, n := range []struct{ label, value string }{
		{"First Name", rec.Firstname}, {"Last Name", rec.Lastname}, {"Middle Name", rec.Middlename},
	} {
		if n.value != "" && !nameRE.MatchString(n.value) {
			errs.Add(webapi.NewError(http.StatusBadRequest, n.label+" is not valid!", nil))
		}
	}
	if !emailRE.MatchString(rec.Email) {
		errs.Add(webapi.NewError(http.StatusBadRequest, `"Email" is not a valid email address.`, nil))
	}
	if rec.Dob != "" {
		d, ok := parseDate(rec.Dob)
		switch {
		case !ok:
			errs.Add(webapi.InputError(webapi.MsgInvalidValue, map[string]any{"fieldName": "dob", "value": rec.Dob}))
		case d.After(now):
			errs.Add(webapi.NewError(http.StatusBadRequest, "The Date of Birth should not be greater than today.", nil))
		default:
			rec.Dob = d.Format("2006-01-02")
		}
	}
	for _, e := range custom {
		errs.Add(e)
	}
	return errs.Err()
}

// parseDate reads a date as Magento accepts one for dob.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", db.TimeLayout, time.RFC3339, "01/02/2006", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// addressFromFields reads an address's fields. It does not validate them.
func addressFromFields(af webapi.Fields) addressRec {
	a := addressRec{
		ID:              webapi.MustNum(af, "id"),
		Firstname:       af.Str("firstname"),
		Lastname:        af.Str("lastname"),
		Middlename:      af.Str("middlename"),
		Prefix:          af.Str("prefix"),
		Suffix:          af.Str("suffix"),
		Company:         af.Str("company"),
		Fax:             af.Str("fax"),
		VatID:           af.Str("vat_id"),
		City:            af.Str("city"),
		CountryID:       strings.ToUpper(af.Str("country_id")),
		Postcode:        af.Str("postcode"),
		Telephone:       af.Str("telephone"),
		defaultBilling:  af.Flag("default_billing"),
		defaultShipping: af.Flag("default_shipping"),
	}
	a.notDefaultBilling = af.Has("default_billing") && !a.defaultBilling
	a.notDefaultShipping = af.Has("default_shipping") && !a.defaultShipping
	if st, ok := af["street"].([]string); ok {
		a.Street = st
	}
	a.RegionID = webapi.MustNum(af, "region_id")
	if rg := af.Sub("region"); rg != nil {
		if a.RegionID == 0 {
			a.RegionID = webapi.MustNum(rg, "region_id")
		}
		a.regionCode = rg.Str("region_code")
		a.Region = rg.Str("region")
	}
	return a
}

// eavRequired is the EAV validator's check of the address's required
// attributes, by label.
func eavRequired(a *addressRec) *webapi.Error {
	street1 := ""
	if len(a.Street) > 0 {
		street1 = strings.TrimSpace(a.Street[0])
	}
	var verrs webapi.ValidatorErrors
	for _, f := range []struct{ label, value string }{
		{"First Name", a.Firstname}, {"Last Name", a.Lastname}, {"Street Address", street1},
		{"City", a.City}, {"Country", a.CountryID}, {"Phone Number", a.Telephone},
	} {
		if strings.TrimSpace(f.value) == "" {
			verrs.Add(requiredValue(f.label))
		}
	}
	return verrs.Err()
}

// validateAddressWith checks an address as Magento does and resolves its
// region against the directory. With eav set (createAccount) the missing
// attribute values are reported first, as the EAV validator's
// `"%1" is a required value.`; otherwise (repository saves) as the address
// validator's `"%fieldName" is required.`.
// The refusal of Address\Validator\Customer (owner, when the address
// belongs to another customer) is reported with the other validators'
// errors.
func validateAddressWith(dir Countries, a *addressRec, eav bool, owner *webapi.Error) *webapi.Error {
	var errs webapi.InputErrors
	street1 := ""
	if len(a.Street) > 0 {
		street1 = strings.TrimSpace(a.Street[0])
	}
	country, known := dir.Country(a.CountryID)
	if eav {
		if e := eavRequired(a); e != nil {
			return e
		}
	}
	for _, f := range []struct{ name, value string }{
		{"firstname", a.Firstname}, {"lastname", a.Lastname}, {"street", street1},
		{"city", a.City}, {"telephone", a.Telephone},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs.Add(webapi.RequiredError(f.name))
		}
	}
	if strings.TrimSpace(a.Postcode) == "" && !(known && country.PostcodeOptional) {
		errs.Add(webapi.RequiredError("postcode"))
	}
	if a.Telephone != "" && !telephoneRE.MatchString(a.Telephone) {
		errs.Add(webapi.NewError(http.StatusBadRequest, "Invalid Phone Number. Please use 0-9, +, -, (, ), ., / and space.", nil))
	}
	switch {
	case a.CountryID == "":
		errs.Add(webapi.RequiredError("countryId"))
	case !known:
		errs.Add(webapi.InputError(webapi.MsgInvalidValue, map[string]any{"fieldName": "countryId", "value": a.CountryID}))
	default:
		a.CountryID = country.ID
		if e := resolveRegion(a, country); e != nil {
			errs.Add(e)
		}
	}
	if owner != nil {
		errs.Add(owner)
	}
	return errs.Err()
}

// ConfigStreetLines is the store configuration path of the number of
// street lines an address may have (Magento_Customer's
// customer/address/street_lines, 2 by default; the street attribute's
// multiline_count follows it).
const ConfigStreetLines = "customer/address/street_lines"

// configDefaults are Magento's defaults of the configuration the module
// reads.
var configDefaults = map[string]string{
	ConfigStreetLines: "2",
	ConfigConfirm:     "0",
	ConfigShareScope:  "1",
	// Magento_Checkout's etc/config.xml; off since 2.4.7.
	ConfigGuestCheckoutLogin: "0",
}

// config returns the store configuration value at path: the module's
// Config, or Magento's default.
func (m *Module) config(path string) string {
	if v, ok := m.Config[path]; ok {
		return v
	}
	return configDefaults[path]
}

// streetLines is the configured limit of street lines, at least 1.
func (m *Module) streetLines() int {
	n, err := strconv.Atoi(strings.TrimSpace(m.config(ConfigStreetLines)))
	if err != nil || n < 1 {
		n, _ = strconv.Atoi(configDefaults[ConfigStreetLines])
	}
	return n
}

// streetLineCount counts an address's street lines as Magento's EAV
// validator sees them: the lines joined with newlines and trimmed
// (AbstractAddress::_implodeArrayValues), then split again
// (Eav\Model\Attribute\Data\Multiline::processValue).
func streetLineCount(street []string) int {
	joined := strings.TrimSpace(strings.Join(street, "\n"))
	if joined == "" {
		return 0
	}
	return strings.Count(joined, "\n") + 1
}

// streetLinesError is Eav\Model\Attribute\Data\Multiline::validateValue's
// refusal of more lines than the attribute's multiline_count.
func streetLinesError(limit int) *webapi.Error {
	return webapi.NewError(http.StatusBadRequest, `"%1" cannot contain more than %2 lines.`, []any{"Street Address", limit})
}

// validateAddressFor checks an address the way AddressRepository::save
// does: the address validators (Address\Validator\General, Country, and
// Customer, whose refusal owner is when the address belongs to another
// customer) report together, one InputException: one error is the answer
// itself, several the aggregate "One or more input exceptions have
// occurred." with each in errors. Only an address they pass reaches the
// resource model's EAV validator, which refuses more street lines than the
// store's customer/address/street_lines and checks the user-defined
// attributes. createAccount (eav) runs the EAV checks first, as
// validateAddressWith describes, the street limit and the user-defined
// attributes with them.
func (m *Module) validateAddressFor(a *addressRec, eav bool, owner *webapi.Error) *webapi.Error {
	// The EAV validator's messages beyond the stock required values: the
	// street lines, then the address's user-defined attributes.
	limit := m.streetLines()
	var eavErrs []*webapi.Error
	if streetLineCount(a.Street) > limit {
		eavErrs = append(eavErrs, streetLinesError(limit))
	}
	eavErrs = append(eavErrs, m.eav.validate(entityAddress, a.custom)...)
	if eav && len(eavErrs) > 0 {
		var verrs webapi.ValidatorErrors
		if e := eavRequired(a); e != nil {
			if e.Errors == nil {
				verrs.Add(e)
			} else {
				for _, it := range e.Errors {
					verrs.Add(webapi.NewError(http.StatusBadRequest, it.Message, it.Parameters))
				}
			}
		}
		for _, e := range eavErrs {
			verrs.Add(e)
		}
		return verrs.Err()
	}
	if err := validateAddressWith(m.countries, a, eav, owner); err != nil {
		return err
	}
	var verrs webapi.ValidatorErrors
	for _, e := range eavErrs {
		verrs.Add(e)
	}
	return verrs.Err()
}

// resolveRegion fills the address's region from the directory: a region id
// must be one of the country's; without one, the region code or name is
// looked up. A country that requires a region and has a list needs a
// region id; one without a list needs the region's name.
func resolveRegion(a *addressRec, c directory.Country) *webapi.Error {
	if len(c.Regions) == 0 {
		if a.Region == "" {
			a.Region = a.regionCode
		}
		a.RegionID = 0
		if c.StateRequired && strings.TrimSpace(a.Region) == "" {
			return webapi.RequiredError("region")
		}
		return nil
	}
	if a.RegionID == 0 {
		if r, ok := c.RegionByCode(a.regionCode); ok && a.regionCode != "" {
			a.RegionID = int64(r.ID)
		} else if r, ok := c.RegionByName(a.Region); ok && a.Region != "" {
			a.RegionID = int64(r.ID)
		}
	}
	if a.RegionID != 0 {
		r, ok := c.RegionByID(int(a.RegionID))
		if !ok {
			return webapi.InputError(webapi.MsgInvalidValue, map[string]any{"fieldName": "regionId", "value": strconv.FormatInt(a.RegionID, 10)})
		}
		a.Region = r.Name
		return nil
	}
	if c.StateRequired {
		return webapi.RequiredError("regionId")
	}
	return nil
}

var (
	regionSpec = webapi.NewSpec(`\Magento\Customer\Api\Data\RegionInterface`,
		webapi.Field{Name: "region_code"}, webapi.Field{Name: "region"}, webapi.Field{Name: "region_id", Kind: webapi.KindInt},
		webapi.Field{Name: "extension_attributes", Kind: webapi.KindObject, Sub: webapi.NewSpec(`\Magento\Customer\Api\Data\RegionExtensionInterface`)},
	)
	addressSpec = webapi.NewSpec(`\Magento\Customer\Api\Data\AddressInterface`,
		webapi.Field{Name: "id", Kind: webapi.KindInt}, webapi.Field{Name: "customer_id", Kind: webapi.KindInt},
		webapi.Field{Name: "region", Kind: webapi.KindObject, Sub: regionSpec}, webapi.Field{Name: "region_id", Kind: webapi.KindInt},
		webapi.Field{Name: "country_id"}, webapi.Field{Name: "street", Kind: webapi.KindStrings}, webapi.Field{Name: "company"},
		webapi.Field{Name: "telephone"}, webapi.Field{Name: "fax"}, webapi.Field{Name: "postcode"}, webapi.Field{Name: "city"},
		webapi.Field{Name: "firstname"}, webapi.Field{Name: "lastname"}, webapi.Field{Name: "middlename"},
		webapi.Field{Name: "prefix"}, webapi.Field{Name: "suffix"}, webapi.Field{Name: "vat_id"},
		webapi.Field{Name: "default_shipping", Kind: webapi.KindBool}, webapi.Field{Name: "default_billing", Kind: webapi.KindBool},
		webapi.Field{Name: "extension_attributes", Kind: webapi.KindObject, Sub: webapi.NewSpec(`\Magento\Customer\Api\Data\AddressExtensionInterface`)},
		webapi.Field{Name: "custom_attributes", Kind: webapi.KindCustomAttributes},
	)
	customerSpec = webapi.NewSpec(`\Magento\Customer\Api\Data\CustomerInterface`,
		webapi.Field{Name: "id", Kind: webapi.KindInt}, webapi.Field{Name: "group_id", Kind: webapi.KindInt},
		webapi.Field{Name: "default_billing"}, webapi.Field{Name: "default_shipping"}, webapi.Field{Name: "confirmation"},
		webapi.Field{Name: "created_at"}, webapi.Field{Name: "updated_at"}, webapi.Field{Name: "created_in"},
		webapi.Field{Name: "dob"}, webapi.Field{Name: "email"}, webapi.Field{Name: "firstname"}, webapi.Field{Name: "lastname"},
		webapi.Field{Name: "middlename"}, webapi.Field{Name: "prefix"}, webapi.Field{Name: "suffix"},
		webapi.Field{Name: "gender", Kind: webapi.KindInt}, webapi.Field{Name: "store_id", Kind: webapi.KindInt}, webapi.Field{Name: "taxvat"},
		webapi.Field{Name: "website_id", Kind: webapi.KindInt},
		webapi.Field{Name: "addresses", Kind: webapi.KindObjects, Sub: addressSpec},
		webapi.Field{Name: "disable_auto_group_change", Kind: webapi.KindInt},
		webapi.Field{Name: "extension_attributes", Kind: webapi.KindObject, Sub: webapi.NewSpec(`\Magento\Customer\Api\Data\CustomerExtensionInterface`,
			webapi.Field{Name: "is_subscribed", Kind: webapi.KindBool}, webapi.Field{Name: "assistance_allowed", Kind: webapi.KindInt})},
		webapi.Field{Name: "custom_attributes", Kind: webapi.KindCustomAttributes},
	)
)
