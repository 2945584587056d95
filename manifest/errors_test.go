package manifest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// customer returns a valid customer entry under customers, indented for
// the customers mapping, with extra lines added to it.
func customer(key, email string, extra ...string) string {
	s := "  " + key + ":\n    email: " + email + "\n    firstname: Jane\n    lastname: Doe\n    password: Password1\n"
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		files []string
		want  []string
	}{
		{
			name:  "yaml syntax",
			files: []string{"a.yaml", "customers:\n  jane: {email: x\n"},
			want: []string{
				"a.yaml:2:1: invalid YAML: did not find expected ',' or '}'",
			},
		},
		{
			name:  "indentation slip in a block mapping",
			files: []string{"a.yaml", "version: 1\ncustomers:\n  jane:\n    email: a@example.com\n    firstname: Jane\n   lastname: Doe\n    password: Password1\n"},
			want: []string{
				"a.yaml:6:4: invalid YAML: did not find expected key (in the mapping that starts at line 3): check this line's indentation",
			},
		},
		{
			name:  "indentation slip deep in an address",
			files: []string{"a.yaml", "version: 1\ncustomers:\n" + customer("jane", "a@example.com", "addresses:", "  home:", "    city: X", "    street:", "      - a", "     - b", "    postcode: '1'")},
			want: []string{
				"a.yaml:13:10: invalid YAML: did not find expected key (in the mapping that starts at line 10): check this line's indentation",
			},
		},
		{
			name:  "indentation slip after a multi-line value",
			files: []string{"a.yaml", "version: 1\ncustomers:\n  jane:\n    email: a@example.com\n    firstname: |\n      Jane\n      Mary\n    lastname: Doe\n   password: Password1\n"},
			want: []string{
				"a.yaml:9:4: invalid YAML: did not find expected key (in the mapping that starts at line 3): check this line's indentation",
			},
		},
		{
			name: "an unknown field in defaults is reported once, where it is written",
			files: []string{"a.yaml", "version: 1\nx-d: &d\n  password: Password1\n  bogus: 1\ndefaults: *d\ncustomers:\n" +
				"  jane: {email: a@example.com, firstname: Jane, lastname: Doe}\n"},
			want: []string{
				"a.yaml:4:3: defaults.bogus: unknown field bogus: allowed fields are confirm, gender, group, groupId, isSubscribed, password, prefix, storeId, suffix, token, website, websiteId",
			},
		},
		{
			name:  "no customers",
			files: []string{"a.yaml", "# nothing yet\n"},
			want:  []string{"a.yaml:1:1: no customers in the manifest: declare them under customers or generate"},
		},
		{
			name:  "empty file, and an empty customers mapping",
			files: []string{"a.yaml", "", "b.yaml", "version: 1\ncustomers: {}\n"},
			want:  []string{"a.yaml:1:1: no customers in the manifest: declare them under customers or generate"},
		},
		{
			name: "unknown fields in alias-expanded mappings, at their own lines",
			files: []string{"a.yaml", "version: 1\nx-person: &person\n  firstname: Jane\n  lastname: Doe\n  nickname: JD\n" +
				"x-home: &home\n  city: X\n  street: [a]\n  countryId: GB\n  telephone: '1'\n  postcode: '1'\n  floor: 2\n" +
				"customers:\n  jane:\n    <<: *person\n    email: a@example.com\n    password: Password1\n" +
				"    addresses:\n      home: *home\n      work: {<<: *home, wing: B}\n"},
			want: []string{
				"a.yaml:5:3: customers.jane.nickname: unknown field nickname: allowed fields are addresses, confirm, customAttributes, dob, email, firstname, gender, group, groupId, isSubscribed, lastname, middlename, password, prefix, storeId, suffix, taxvat, token, website, websiteId",
				"a.yaml:12:3: customers.jane.addresses.home.floor: unknown field floor: allowed fields are city, company, countryId, customAttributes, defaultBilling, defaultShipping, fax, firstname, lastname, middlename, postcode, prefix, region, regionId, street, suffix, telephone, vatId",
				"a.yaml:12:3: customers.jane.addresses.work.floor: unknown field floor: allowed fields are city, company, countryId, customAttributes, defaultBilling, defaultShipping, fax, firstname, lastname, middlename, postcode, prefix, region, regionId, street, suffix, telephone, vatId",
				"a.yaml:20:25: customers.jane.addresses.work.wing: unknown field wing: allowed fields are city, company, countryId, customAttributes, defaultBilling, defaultShipping, fax, firstname, lastname, middlename, postcode, prefix, region, regionId, street, suffix, telephone, vatId",
			},
		},
		{
			name:  "tab indentation",
			files: []string{"a.yaml", "customers:\n\tjane: {}\n"},
			want: []string{
				"a.yaml:2:1: invalid YAML: found character that cannot start any token: indent with spaces, not tabs",
			},
		},
		{
			name:  "not a mapping",
			files: []string{"a.yaml", "- jane\n"},
			want: []string{
				"a.yaml:1:1: a manifest is a mapping with the keys version, store, defaults, customers and generate",
			},
		},
		{
			name:  "duplicate keys",
			files: []string{"a.yaml", "version: 1\ncustomers:\n" + customer("jane", "a@example.com", "email: b@example.com") + customer("jane", "c@example.com") + "version: 1\n"},
			want: []string{
				"a.yaml:8:5: customers.jane.email: duplicate key email (first at line 4): remove one",
				"a.yaml:9:3: customers.jane: customer jane is already declared at line 3: keys must be unique across all files",
				"a.yaml:14:1: version: duplicate key version (first at line 1): remove one",
			},
		},
		{
			name: "unknown fields, with suggestions",
			files: []string{"a.yaml", "version: 1\nstores: {}\ncustomers:\n" + customer("jane", "a@example.com", "firstName: Jane", "addresses:",
				"  home: {street: [x], city: y, country_id: US, countryId: US, telephone: '1', postcode: '1', region: {regionCode: NY, code: NY}}")},
			want: []string{
				"a.yaml:2:1: stores: unknown field stores: did you mean store?",
				"a.yaml:9:5: customers.jane.firstName: unknown field firstName: did you mean firstname?",
				"a.yaml:11:36: customers.jane.addresses.home.country_id: unknown field country_id: did you mean countryId?",
				"a.yaml:11:123: customers.jane.addresses.home.region.code: unknown field code: allowed fields are region, regionCode, regionId",
			},
		},
		{
			name: "types and missing fields",
			files: []string{"a.yaml", `version: "1"
customers:
  jane:
    email: [a@example.com]
    lastname:
    gender: 9
    token: "yes"
    groupId: -1
    addresses:
      home: {city: Mineola}
`},
			want: []string{
				"a.yaml:1:10: version: must be 1",
				"a.yaml:3:3: customers.jane.firstname: missing required field firstname",
				"a.yaml:4:12: customers.jane.email: must be a string, not an array",
				"a.yaml:5:14: customers.jane.lastname: is empty: give a value or remove the field",
				"a.yaml:6:13: customers.jane.gender: must be one of 0, 1, 2, 3",
				"a.yaml:7:12: customers.jane.token: must be a boolean, not a string",
				"a.yaml:8:14: customers.jane.groupId: must be at least 0",
				"a.yaml:10:7: customers.jane.addresses.home.countryId: missing required field countryId",
				"a.yaml:10:7: customers.jane.addresses.home.street: missing required field street",
				"a.yaml:10:7: customers.jane.addresses.home.telephone: missing required field telephone",
			},
		},
		{
			name: "Magento's field rules",
			files: []string{"a.yaml", `customers:
  jane:
    email: jdoe@example
    firstname: Jane 😀
    lastname: Doe
    middlename: $(rm)
    dob: 1990-02-30
    password: Password1
    addresses:
      home:
        firstname: Jane<script>
        street: ["  "]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: call me
`},
			want: []string{
				"a.yaml:3:12: customers.jane.email: is not a valid email address: write it like jane@example.com",
				"a.yaml:4:16: customers.jane.firstname: may hold only letters, digits, spaces and , - _ . ' (Magento's name rule)",
				"a.yaml:6:17: customers.jane.middlename: may hold only letters, digits, spaces and , - _ . ' (Magento's name rule)",
				"a.yaml:7:10: customers.jane.dob: is not a real date: check the month and the day",
				"a.yaml:11:20: customers.jane.addresses.home.firstname: may hold only letters, digits, spaces and , - _ . ' (Magento's name rule)",
				"a.yaml:12:17: customers.jane.addresses.home.street: the first street line must not be empty",
				"a.yaml:17:20: customers.jane.addresses.home.telephone: may hold only 0-9, +, -, (, ), ., / and spaces, at most 20 characters (Magento's telephone rule)",
			},
		},
		{
			name: "password policy",
			env:  map[string]string{"PW": "weakweakweak"},
			files: []string{"a.yaml", "customers:\n" +
				strings.Replace(customer("a", "a@example.com"), "Password1", "Pass1", 1) +
				strings.Replace(customer("b", "b@example.com"), "Password1", "' Password1'", 1) +
				strings.Replace(customer("c", "c@example.com"), "Password1", "${PW}", 1) +
				strings.Replace(customer("d", "D1@Example.com"), "Password1", "d1@example.com", 1) +
				strings.Replace(customer("e", "e@example.com"), "Password1", strings.Repeat("Aa1", 86), 1)},
			want: []string{
				"a.yaml:6:15: customers.a.password: password needs at least 8 characters",
				"a.yaml:11:15: customers.b.password: password must not begin or end with a space",
				"a.yaml:16:15: customers.c.password: password needs at least 3 of: lower case, upper case, digits, special characters",
				"a.yaml:21:15: customers.d.password: password must not be the same as the email address",
				"a.yaml:26:15: customers.e.password: password must be at most 256 characters long",
			},
		},
		{
			name: "regions",
			files: []string{"a.yaml", `defaults: {password: Password1}
customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    addresses:
      a: {street: [x], city: y, postcode: "1", countryId: US, telephone: "1", region: {regionCode: ZZ}}
      b: {street: [x], city: y, postcode: "1", countryId: US, telephone: "1", region: {regionCode: NY, regionId: 12}}
      c: {street: [x], city: y, postcode: "1", countryId: US, telephone: "1", region: {regionId: 999}}
      d: {street: [x], city: y, postcode: "1", countryId: US, telephone: "1"}
      e: {street: [x], city: y, postcode: "1", countryId: US, telephone: "1", region: {region: Nowhere}}
      f: {street: [x], city: y, postcode: "1", countryId: US, telephone: "1", region: {regionId: 43}, regionId: 44}
      g: {street: [x], city: y, postcode: "1", countryId: XX, telephone: "1"}
      h: {street: [x], city: y, countryId: US, telephone: "1", region: {regionCode: NY}}
`},
			want: []string{
				"a.yaml:8:100: customers.jane.addresses.a.region.regionCode: ZZ is not a region code of US: use a code from GET /V1/directory/countries/US",
				"a.yaml:9:114: customers.jane.addresses.b.region.regionId: names region CA, not NY (NY is 43 in a stock store): give one of them",
				"a.yaml:10:98: customers.jane.addresses.c.region.regionId: 999 is not a region id of US in a stock store: prefer region: {regionCode: ...}",
				"a.yaml:11:7: customers.jane.addresses.d: missing region: US requires one; add region: {regionCode: AL}",
				"a.yaml:12:96: customers.jane.addresses.e.region.region: is not a region name of US: give region: {regionCode: ...}",
				"a.yaml:13:113: customers.jane.addresses.f.regionId: differs from region.regionId: give the id once",
				"a.yaml:14:59: customers.jane.addresses.g.countryId: is not a country in Magento's directory: use an ISO 3166-1 alpha-2 code, like US",
				"a.yaml:15:7: customers.jane.addresses.h: missing postcode: US requires one",
			},
		},
		{
			name: "default addresses",
			files: []string{"a.yaml", "customers:\n" + customer("jane", "a@example.com", "addresses:",
				"  a: {street: [x], city: y, postcode: '1', countryId: US, telephone: '1', region: {regionCode: NY}, defaultBilling: true, defaultShipping: true}",
				"  b: {street: [x], city: y, postcode: '1', countryId: US, telephone: '1', region: {regionCode: NY}, defaultBilling: true, defaultShipping: true}")},
			want: []string{
				"a.yaml:9:105: customers.jane.addresses.b.defaultBilling: only one address may be the default billing address, and a already is",
				"a.yaml:9:127: customers.jane.addresses.b.defaultShipping: only one address may be the default shipping address, and a already is",
			},
		},
		{
			name: "keys and emails across files",
			files: []string{
				"a.yaml", "store: {website: base}\ncustomers:\n" + customer("jane", "jdoe@example.com"),
				"b.yaml", "store: {website: other}\ncustomers:\n" + customer("jane", "x@example.com") + customer("jdoe", "JDoe@Example.com"),
			},
			want: []string{
				"b.yaml:1:18: store.website: differs from store.website at a.yaml:1:18: files must agree",
				"b.yaml:3:3: customers.jane: customer jane is already declared at a.yaml:3:3: keys must be unique across all files",
				"b.yaml:9:12: customers.jdoe.email: customer jane has the same email in the same website (at a.yaml:4:12): emails must be unique per website",
			},
		},
		{
			name:  "bad keys",
			files: []string{"a.yaml", "customers:\n" + customer("jane.doe", "a@example.com") + customer("ok", "b@example.com", "addresses:", "  'my home': {street: [x], city: y, postcode: '1', countryId: US, telephone: '1', region: {regionCode: NY}}")},
			want: []string{
				"a.yaml:2:3: customers.\"jane.doe\": customer key may hold only letters, digits, - and _ (at most 64 characters), starting with a letter or digit",
				"a.yaml:13:7: customers.ok.addresses.\"my home\": address key may hold only letters, digits, - and _ (at most 64 characters), starting with a letter or digit",
			},
		},
		{
			name: "interpolation",
			env:  map[string]string{"SECRET_MAIL": "not an email"},
			files: []string{"a.yaml", "customers:\n" +
				customer("a", "${SECRET_MAIL}") +
				customer("b", "b@example.com", "taxvat: ${UNSET}", "prefix: ${1BAD}", "suffix: ${OPEN")},
			want: []string{
				"a.yaml:3:12: customers.a.email: is not a valid email address: write it like jane@example.com",
				"a.yaml:12:13: customers.b.taxvat: environment variable UNSET is not set: set it, or give a default with ${UNSET:-default}",
				"a.yaml:13:13: customers.b.prefix: invalid reference ${1BAD}: write ${NAME} or ${NAME:-default}, NAME made of letters, digits and _",
				"a.yaml:14:13: customers.b.suffix: unterminated ${: close the reference with } or write $${ for a literal ${",
			},
		},
		{
			name: "defaults problems are reported once, where they are written",
			files: []string{"a.yaml", `defaults:
  password: short
  groupId: two
customers:
  a: {email: a@example.com, firstname: A, lastname: B}
  b: {email: b@example.com, firstname: A, lastname: B}
`},
			want: []string{
				"a.yaml:2:13: defaults.password: password needs at least 8 characters",
				"a.yaml:3:12: defaults.groupId: must be an integer, not a string",
			},
		},
		{
			name: "an unset variable in defaults is reported once",
			files: []string{"a.yaml", `defaults:
  password: ${NOPE}
customers:
  a: {email: a@example.com, firstname: A, lastname: B}
  b: {email: b@example.com, firstname: A, lastname: B}
generate:
  - {key: g, count: 2}
`},
			want: []string{
				"a.yaml:2:13: defaults.password: environment variable NOPE is not set: set it, or give a default with ${NOPE:-default}",
			},
		},
		{
			name: "generators in all make at most 200000 customers",
			files: []string{"a.yaml", "generate:\n  - {key: a, count: 100000, password: Password1}\n  - {key: b, count: 100000, password: Password1}\n",
				"b.yaml", "generate:\n  - {key: c, count: 1, password: Password1}\n"},
			want: []string{
				"b.yaml:2:5: generate[0]: generators may make at most 200000 customers in all: lower count",
			},
		},
		{
			name: "generators",
			files: []string{"a.yaml", `customers:
  demo-0002: {email: x@example.com, firstname: A, lastname: B, password: Password1}
generate:
  - {key: demo, count: 3, password: Password1}
  - {key: other, count: 2, email: same@example.com, password: Password1}
  - {key: third, count: 2, countries: [US, QQ], password: Password1}
  - {key: fourth, count: 1, token: true}
  - {key: fifth, count: 0, password: weak}
  - {key: sixth, count: 1, email: x@example.com, password: Password1}
`},
			want: []string{
				"a.yaml:4:11: generate[0].key: generates key demo-0002, already declared at a.yaml:2:3: choose another key",
				"a.yaml:5:35: generate[1].email: must contain {n}, the customer's number, so that every email is different",
				"a.yaml:6:44: generate[2].countries[1]: is not a country in Magento's directory: use an ISO 3166-1 alpha-2 code, like US",
				"a.yaml:7:5: generate[3]: a token needs the customers' password to sign in with: set password here or under defaults",
				"a.yaml:8:25: generate[4].count: must be at least 1",
				"a.yaml:9:35: generate[5].email: generates sixth-0001 with the email of customer demo-0002 (at a.yaml:2:22): emails must be unique per website",
			},
		},
		{
			name:  "unsupported tag",
			files: []string{"a.yaml", "customers:\n  a: !thing {email: a@example.com}\n"},
			want: []string{
				"a.yaml:2:6: customers.a: unsupported tag !thing: remove it",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.env, tt.files...)
			got := errLines(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			for k, v := range tt.env {
				if strings.Contains(strings.Join(got, "\n"), v) {
					t.Errorf("errors show the value of %s", k)
				}
			}
		})
	}
}
