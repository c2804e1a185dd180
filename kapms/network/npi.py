"""National Provider Identifier check (45 CFR 162.406): 10 digits whose last digit is a Luhn
check digit computed over the prefix 80840 followed by the first nine digits."""


def valid_npi(npi: str) -> bool:
    """True when ``npi`` is ten digits with a correct check digit."""
    if not isinstance(npi, str) or len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = int(char)
        if position % 2 == 1:  # every second digit from the right is doubled
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
