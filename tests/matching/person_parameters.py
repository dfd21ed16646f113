"""Fellegi–Sunter parameters of the shipped person comparisons, set by hand: tests that score pairs without training
read them, so that a level added to a comparison is written here once."""

PERSON_COMPARISON_NAMES = ("name", "birth_date", "national_id", "mobile", "landline", "email", "address", "city",
                           "postal_code", "birth_place", "occupation")
# Per comparison, m and u per level (index 0: a value missing on one side).
PERSON_M = ((0, .9, .05, .03, .005, .005, .003, .001, .001, .005), (0, .9, .05, .01, .01, .01, .02),
            (0, .9, .05, .001, .03, .019), (0, .9, .1), (0, .9, .1), (0, .9, .1), (0, .8, .1, .05, .05),
            (0, .85, .05, .1), (0, .7, .2, .1), (0, .85, .05, .1), (0, .7, .3))
PERSON_U = ((0, .001, .002, .01, .002, .001, .002, .01, .04, .932), (0, .0001, .001, .0005, .002, .02, .9764),
            (0, .00001, .0001, .00001, .001, .99888), (0, .0001, .9999), (0, .001, .999), (0, .0001, .9999),
            (0, .0001, .001, .01, .9889), (0, .1, .01, .89), (0, .001, .02, .979), (0, .02, .01, .97), (0, .05, .95))
