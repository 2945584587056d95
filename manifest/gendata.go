package manifest

// Word lists for generated customers. Every entry passes Magento's name rule;
// changing a list changes generated values, so golden tests pin them.

var firstNames = []string{
	"Ada", "Adrian", "Aisha", "Alejandro", "Amara", "Anna", "Arjun", "Ava", "Benjamin", "Camille",
	"Carlos", "Chen", "Chloé", "Daniel", "Diego", "Elena", "Emma", "Ethan", "Fatima", "Felix",
	"Grace", "Hana", "Hugo", "Ines", "Isabel", "Jack", "James", "Jana", "José", "Julia",
	"Kai", "Laura", "Leo", "Liam", "Lucas", "Maya", "Mei", "Mia", "Noah", "Nora",
	"Olivia", "Omar", "Priya", "Rafael", "Ravi", "Sara", "Sofia", "Tomás", "Yuki", "Zoë",
}

var lastNames = []string{
	"Adams", "Bauer", "Bernard", "Brown", "Carter", "Chen", "Clark", "Costa", "Dubois", "Evans",
	"Fischer", "Garcia", "Gupta", "Hall", "Hoffmann", "Ito", "Jansen", "Johnson", "Kim", "Kowalski",
	"Lee", "Lopez", "Martin", "Meyer", "Miller", "Moreau", "Müller", "Nguyen", "O'Brien", "Patel",
	"Perez", "Quinn", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Tanaka", "Taylor",
	"Thomas", "van Dijk", "Wagner", "Walker", "Weber", "White", "Williams", "Wilson", "Young", "Zhang",
}

var streetNames = []string{
	"Oak", "Maple", "Cedar", "Pine", "Elm", "Birch", "Willow", "Lake", "Hill", "River",
	"Park", "Church", "Mill", "Station", "Market", "Garden", "Meadow", "Forest", "Spring", "Bridge",
}

var streetSuffixes = []string{"St.", "Ave.", "Rd.", "Blvd.", "Ln.", "Dr.", "Ct.", "Way"}

var genericRegions = []string{"Central", "North", "South", "East", "West", "Coast", "Highlands", "Valley"}

var genericCities = []string{
	"Riverside", "Fairview", "Greenville", "Kingston", "Lakeside", "Millbrook", "Newport", "Oakridge",
	"Springfield", "Westfield", "Ashford", "Brookside",
}

var cities = map[string][]string{
	"US": {"Mineola", "Albany", "Austin", "Boston", "Chicago", "Denver", "Miami", "Portland", "Seattle", "Phoenix", "Atlanta", "Columbus"},
	"CA": {"Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa", "Halifax", "Winnipeg", "Québec"},
	"GB": {"London", "Manchester", "Bristol", "Leeds", "Glasgow", "Cardiff", "York", "Belfast"},
	"DE": {"Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Leipzig", "Dresden", "Bremen"},
	"FR": {"Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Bordeaux", "Strasbourg"},
	"NL": {"Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Groningen", "Leiden", "Delft"},
	"AU": {"Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Hobart", "Canberra", "Darwin"},
	"IN": {"Mumbai", "Delhi", "Bengaluru", "Chennai", "Kolkata", "Pune", "Jaipur", "Hyderabad"},
	"ES": {"Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Málaga"},
	"IT": {"Roma", "Milano", "Napoli", "Torino", "Bologna", "Firenze"},
}

func citiesOf(country string) []string {
	if c, ok := cities[country]; ok {
		return c
	}
	return genericCities
}

// streetLine returns a street line in the country's usual order.
func streetLine(r *rnd, country string) string {
	num := r.digits("###")
	for num[0] == '0' && len(num) > 1 {
		num = num[1:]
	}
	name := pick(r, streetNames)
	switch country {
	case "DE", "NL", "AT", "CH":
		return name + "straße " + num
	case "FR", "BE":
		return num + " rue " + name
	case "ES", "IT":
		return "Via " + name + " " + num
	}
	return num + " " + name + " " + pick(r, streetSuffixes)
}

// postcodeFormat is the country's postcode shape: # a digit, A a letter.
func postcodeFormat(country string) string {
	switch country {
	case "CA":
		return "A#A #A#"
	case "GB":
		return "AA# #AA"
	case "NL":
		return "#### AA"
	case "AU", "AT", "BE", "CH", "DK", "NO":
		return "####"
	case "IN":
		return "######"
	case "BR":
		return "#####-###"
	case "JP":
		return "###-####"
	case "PT":
		return "####-###"
	}
	return "#####"
}

// phoneFormat is a telephone shape that passes Magento's telephone rule.
func phoneFormat(country string) string {
	switch country {
	case "US", "CA":
		return "(N##) 555-01##"
	case "GB":
		return "+44 20 7946 0###"
	case "DE":
		return "+49 30 #######"
	case "FR":
		return "+33 1 ## ## ## ##"
	case "NL":
		return "+31 20 ### ####"
	case "AU":
		return "+61 2 #### ####"
	case "IN":
		return "+91 ##### #####"
	}
	return "0## ### ####"
}
