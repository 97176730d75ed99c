package number

import "github.com/nyaruka/phonenumbers"

// CountryCallingCode returns the calling code of an ISO 3166 alpha-2
// region ("GB" -> 44), or 0 when the region is unknown.
func CountryCallingCode(region string) int {
	return phonenumbers.GetCountryCodeForRegion(region)
}
