"""Replications of published Stages-of-Progress studies, built on the method.

Each subpackage re-computes one paper with the generic library (`stagesofprogress`) and
holds everything that is specific to that paper: its transcribed tables and errata, the
scorecard that judges a study against them, and any generator of synthetic data. The
method never imports this package; it finds what a replication offers through entry
points declared in pyproject.toml:

* ``stagesofprogress.tables``: functions ``f(study) -> {file name: DataFrame}`` whose
  tables `sop tables` writes after its own (``{}`` when the study is not theirs);
* ``stagesofprogress.commands``: functions ``add_parser(subparsers)`` adding a `sop`
  subcommand.

Subpackages:

* `kristjanson2007`: Kristjanson et al. (2007), *Dynamic Poverty Processes and the Role
  of Livestock in Peru* (PPLPI Working Paper 39).
"""
