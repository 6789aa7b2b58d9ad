/*
 * amount.h -- amounts of money in normalized text, for the "amount" match
 * primitive (FORMAT.md, "Amounts of money"): 5万円, ５万円, 50,000円, 十万円,
 * 3万5千円, 1.5万円, $500, US$500, ¥30000, €20, 500 dollars, 5k dollars,
 * 2 million yen. A number counts only with a currency next to it (a
 * symbol or code before it, a unit after it), so order numbers, dates and
 * the 一 of 一番 are never money.
 */
#ifndef MAMORI_RULES_AMOUNT_H
#define MAMORI_RULES_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "normalize.h"

/* RULES_CUR_* bit of a currency name as a policy writes it, normalized
 * ("円", "万円", "$", "どる" for ドル, "dollars", "jpy"); 0 when unknown. */
uint32_t rules_currency_bit(const char *normalized, size_t len);
/* "JPY", "USD", ... for one bit. */
const char *rules_currency_code(uint32_t bit);
/* The names rules_currency_bit knows, for error hints. */
extern const char rules_currency_names[];

/* One mention of money in a normalized text. */
struct rules_money {
    uint32_t s, e;             /* normalized characters, currency included */
    uint32_t ob, oe;           /* original bytes (a dropped ¥ before the number included) */
    double value;              /* in units of the currency */
    uint32_t currency;         /* RULES_CUR_* */
};

/* Call fn for every mention of money in nt, in text order; stops at the
 * first non-zero return of fn and returns it. Linear in the text. */
int rules_money_scan(const struct rules_ntext *nt, int (*fn)(void *ctx, const struct rules_money *m), void *ctx);

#endif
