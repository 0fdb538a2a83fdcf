"""`sop replica`: the synthetic Peru 2004 study, calibrated to Kristjanson et al. (2007).

The paper (PPLPI Working Paper 39) publishes aggregates only. This package invents a study
folder whose aggregates reproduce the published ones: Table 1 (communities), Tables 2-3
(stages, assets, movements), Tables 4-5 and 7 (logit models fitted on the sampled
households and their reasons), Tables 6, 8, 9 (livestock survey) and the percentages the
text quotes. Individual households are invented: relationships beyond the published
tables are not evidence of anything.

Nothing here searches seeds. Counts are *set* from the published percents (rounded so the
printed figures reproduce), means are hit by adjusting integer sums, and the logit data are
*calibrated*: covariates are drawn with the spreads the published standard errors imply,
then adjusted (by a damped Newton method on the continuous covariates and a re-draw of
the flags) until the maximum-likelihood estimate equals the published coefficients.
Everything is numpy/pandas driven by `numpy.random.default_rng(seed)` streams, and the
calibration decides on rounded values with the reference BLAS kernels (`exact`), so the same
seed gives byte-identical files wherever numpy's OpenBLAS runs on an x86-64 processor with AVX2.

One module per step, in the order `files.build` runs them:

========================  ==============================================================
`targets`                 the published numbers the replica is calibrated to
`draws`                   random streams, rounding as printed, integer sums
`communities`             communities.csv (Table 1)
`households`              households.csv (Tables 2 and 3)
`sample`                  sample.csv (the models' households)
`reasons`                 reasons.csv: 25-year reasons, and the sub-periods' derived from them
`models`                  the calibration of each logit model (Tables 4, 5 and 7), using
`design`, `fit`,          the design of a model's data, its logit fit,
`windows`, `polish`,      the SE windows the scorecard accepts, the polish to the MLE
`search`                  and the local search
`exact`                   the rounding that makes the calibration machine-independent
`herds`                   herd sizes that meet Tables 6 and 8 and keep the models' fit
`livestock`               livestock.csv and production.csv (Tables 6, 8, 9)
`templates`, `files`      study.yml and README.md (package data), the files written
`check`                   each model refitted from a study folder (for the tests)
========================  ==============================================================

    from stagesofprogress.replication.kristjanson2007 import replica
    replica.generate("data/peru2004")
"""

from ..command import SEED
from .files import build, generate

__all__ = ["SEED", "build", "generate"]
