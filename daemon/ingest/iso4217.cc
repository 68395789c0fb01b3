// The ISO 4217 codes a debt can be denominated in, compiled in so that the
// answer does not depend on the host.
//
// Source: ISO 4217 list one (current currency and funds codes) as shipped in
// Debian's iso-codes 4.15 (/usr/share/iso-codes/json/iso_4217.json), brought
// up to the amendments since: + XCG (Caribbean guilder, 2025-03-31),
// + ZWG (Zimbabwe Gold, 2024-06-25), - HRK (Croatia: euro since 2023-01-01).
// Codes still legal tender in a changeover are kept (ANG next to XCG, SLL
// next to SLE, ZWL next to ZWG, BGN until the euro changeover completes):
// old debts are still denominated in them.
//
// Left out on purpose, being no currency a consumer can owe: the precious
// metals XAU XAG XPD XPT, the bond-market units XBA XBB XBC XBD, the SDR XDR,
// XSU (Sucre) and XUA (ADB unit), XTS (testing) and XXX (no currency).
// Kept: funds codes that loans are indexed in (CLF Unidad de Fomento, UYI,
// UYW, MXV, COU, BOV, CHE, CHW, USN).
//
// Review on every ISO 4217 amendment
// (https://www.six-group.com/en/products-services/financial-information/data-standards.html).

#include <algorithm>
#include <array>
#include <string_view>

#include "ingest/field_checks.h"

namespace reminder::ingest {

namespace {

constexpr std::array<std::string_view, 169> kActiveCodes = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
    "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
    "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
    "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL",
    "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
};

static_assert(std::is_sorted(kActiveCodes.begin(), kActiveCodes.end()),
              "kActiveCodes must stay sorted (binary search)");
static_assert(std::adjacent_find(kActiveCodes.begin(), kActiveCodes.end()) == kActiveCodes.end(),
              "kActiveCodes has a duplicate");

}  // namespace

bool is_active_currency(std::string_view code) {
  return code.size() == 3 && std::binary_search(kActiveCodes.begin(), kActiveCodes.end(), code);
}

}  // namespace reminder::ingest
