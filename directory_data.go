package mageseed

// directory is the offline copy of Magento's stock directory. Region ids are
// those that a stock Magento 2.4 install assigns (Directory module data
// patches, in insertion order). Against a real store, ids are fetched from
// GET /V1/directory/countries/:id; this copy serves offline validation and
// the sandbox.
var directory = []Country{
	{ID: "US", ISO3: "USA", Name: "United States", StateRequired: true, Regions: []DirectoryRegion{
		{1, "AL", "Alabama"}, {2, "AK", "Alaska"}, {3, "AS", "American Samoa"}, {4, "AZ", "Arizona"},
		{5, "AR", "Arkansas"}, {6, "AE", "Armed Forces Africa"}, {7, "AA", "Armed Forces Americas"},
		{8, "AE", "Armed Forces Canada"}, {9, "AE", "Armed Forces Europe"}, {10, "AE", "Armed Forces Middle East"},
		{11, "AP", "Armed Forces Pacific"}, {12, "CA", "California"}, {13, "CO", "Colorado"},
		{14, "CT", "Connecticut"}, {15, "DE", "Delaware"}, {16, "DC", "District of Columbia"},
		{17, "FM", "Federated States Of Micronesia"}, {18, "FL", "Florida"}, {19, "GA", "Georgia"},
		{20, "GU", "Guam"}, {21, "HI", "Hawaii"}, {22, "ID", "Idaho"}, {23, "IL", "Illinois"},
		{24, "IN", "Indiana"}, {25, "IA", "Iowa"}, {26, "KS", "Kansas"}, {27, "KY", "Kentucky"},
		{28, "LA", "Louisiana"}, {29, "ME", "Maine"}, {30, "MH", "Marshall Islands"}, {31, "MD", "Maryland"},
		{32, "MA", "Massachusetts"}, {33, "MI", "Michigan"}, {34, "MN", "Minnesota"}, {35, "MS", "Mississippi"},
		{36, "MO", "Missouri"}, {37, "MT", "Montana"}, {38, "NE", "Nebraska"}, {39, "NV", "Nevada"},
		{40, "NH", "New Hampshire"}, {41, "NJ", "New Jersey"}, {42, "NM", "New Mexico"}, {43, "NY", "New York"},
		{44, "NC", "North Carolina"}, {45, "ND", "North Dakota"}, {46, "MP", "Northern Mariana Islands"},
		{47, "OH", "Ohio"}, {48, "OK", "Oklahoma"}, {49, "OR", "Oregon"}, {50, "PW", "Palau"},
		{51, "PA", "Pennsylvania"}, {52, "PR", "Puerto Rico"}, {53, "RI", "Rhode Island"},
		{54, "SC", "South Carolina"}, {55, "SD", "South Dakota"}, {56, "TN", "Tennessee"}, {57, "TX", "Texas"},
		{58, "UT", "Utah"}, {59, "VT", "Vermont"}, {60, "VI", "Virgin Islands"}, {61, "VA", "Virginia"},
		{62, "WA", "Washington"}, {63, "WV", "West Virginia"}, {64, "WI", "Wisconsin"}, {65, "WY", "Wyoming"},
	}},
	{ID: "CA", ISO3: "CAN", Name: "Canada", StateRequired: true, Regions: []DirectoryRegion{
		{66, "AB", "Alberta"}, {67, "BC", "British Columbia"}, {68, "MB", "Manitoba"},
		{69, "NL", "Newfoundland and Labrador"}, {70, "NB", "New Brunswick"}, {71, "NS", "Nova Scotia"},
		{72, "NT", "Northwest Territories"}, {73, "NU", "Nunavut"}, {74, "ON", "Ontario"},
		{75, "PE", "Prince Edward Island"}, {76, "QC", "Quebec"}, {77, "SK", "Saskatchewan"}, {78, "YT", "Yukon Territory"},
	}},
}
