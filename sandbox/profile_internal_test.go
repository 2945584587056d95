package sandbox

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseProfile(t *testing.T) {
	const src = `customerAttributes:
  - {code: loyalty_number, input: text, required: true, maxLength: 20}
  - {code: preferred_channel, input: select, options: [Email, Phone, Post]}
addressAttributes:
  - {code: delivery_notes, input: textarea}
config:
  streetLines: 3
  confirmAccounts: true
  accountShareScope: global
  guestCheckoutLogin: true
groups:
  - {code: VIP, taxClassId: 4}
taxClasses:
  - {id: 4, name: Wholesale Customer}
websites:
  - {code: second, storeCode: second_view}
`
	got, err := ParseProfile("store.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Profile{
		CustomerAttributes: []AttributeSpec{
			{Code: "loyalty_number", Input: "text", Required: true, MaxLength: 20},
			{Code: "preferred_channel", Input: "select", Options: []string{"Email", "Phone", "Post"}},
		},
		AddressAttributes: []AttributeSpec{{Code: "delivery_notes", Input: "textarea"}},
		Config:            StoreConfig{StreetLines: 3, ConfirmAccounts: true, AccountShareScope: ShareGlobal, GuestCheckoutLogin: true},
		Groups:            []GroupSpec{{Code: "VIP", TaxClassID: 4}},
		TaxClasses:        []TaxClassSpec{{ID: 4, Name: "Wholesale Customer"}},
		Websites:          []Website{{Code: "second", StoreCode: "second_view"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseProfile (-want +got):\n%s", diff)
	}
}

func TestParseProfileEmpty(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "{}\n"} {
		got, err := ParseProfile("store.yaml", []byte(src))
		if err != nil {
			t.Fatalf("ParseProfile(%q): %v", src, err)
		}
		if diff := cmp.Diff(&Profile{}, got); diff != "" {
			t.Errorf("ParseProfile(%q) (-want +got):\n%s", src, diff)
		}
	}
}

// TestParseProfileErrors checks that every mistake is reported with its
// file, line, column and path, all of them, in order.
func TestParseProfileErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown top-level key", "customerAtributes: []\n",
			[]string{`store.yaml:1:1: customerAtributes: unknown key`}},
		{"unknown attribute key", "customerAttributes:\n  - code: loyalty\n    maxLenght: 20\n",
			[]string{`store.yaml:3:5: customerAttributes[0].maxLenght: unknown key`}},
		{"unknown config key", "config:\n  streetLine: 3\n",
			[]string{`store.yaml:2:3: config.streetLine: unknown key`}},
		{"wrong types", "config:\n  streetLines: two\n  confirmAccounts: yes please\n",
			[]string{`store.yaml:2:16: config.streetLines: must be an integer`, `store.yaml:3:20: config.confirmAccounts: must be true or false`}},
		{"street lines out of range", "config: {streetLines: 21}\n",
			[]string{`store.yaml:1:23: config.streetLines: must be between 1 and 20`}},
		{"share scope", "config: {accountShareScope: store}\n",
			[]string{`store.yaml:1:29: config.accountShareScope: must be "website" or "global"`}},
		{"attribute code", "customerAttributes:\n  - {code: Loyalty-Number}\n  - {input: text}\n",
			[]string{`store.yaml:2:5: customerAttributes[0].code: "Loyalty-Number" must be lower-case letters, digits and _, start with a letter, at most 60 characters`,
				`store.yaml:3:5: customerAttributes[1].code: is required`}},
		{"stock code", "addressAttributes:\n  - {code: street}\n",
			[]string{`store.yaml:2:5: addressAttributes[0].code: "street" is one of Magento's stock address attributes`}},
		{"select without options", "customerAttributes:\n  - {code: channel, input: select}\n",
			[]string{`store.yaml:2:5: customerAttributes[0].options: a select attribute needs options`}},
		{"lengths on a select", "customerAttributes:\n  - {code: channel, input: select, options: [A], maxLength: 3}\n",
			[]string{`store.yaml:2:5: customerAttributes[0]: lengths and inputValidation apply to text and textarea attributes only`}},
		{"unknown input", "customerAttributes:\n  - {code: photo, input: image}\n",
			[]string{`store.yaml:2:5: customerAttributes[0].input: "image" must be one of text, textarea, select, multiselect, date, boolean`}},
		{"duplicate option", "customerAttributes:\n  - {code: c, input: multiselect, options: [A, A]}\n",
			[]string{`store.yaml:2:48: customerAttributes[0].options[1]: duplicate option "A"`}},
		{"group tax class", "groups:\n  - {code: VIP, taxClassId: 2}\n",
			[]string{`store.yaml:2:5: groups[0].taxClassId: 2 is not a customer tax class (3, or one of taxClasses)`}},
		{"group code too long", "groups:\n  - {code: " + strings.Repeat("g", 33) + "}\n",
			[]string{`store.yaml:2:5: groups[0].code: must be at most 32 characters`}},
		{"duplicate group", "groups:\n  - {code: VIP}\n  - {code: vip}\n",
			[]string{`store.yaml:3:5: groups[1].code: duplicate group code "vip"`}},
		{"not a mapping", "- a\n", []string{`store.yaml:1:1: (profile): must be a mapping`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProfile("store.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("ParseProfile succeeded, want errors")
			}
			got := strings.Split(err.Error(), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
