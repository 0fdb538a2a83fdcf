"""The replication of Kristjanson et al. (2007), PPLPI Working Paper 39 (Peru, 2004).

Modules (import them by name; nothing is loaded until then):

* `paper`: one import for the transcription of the printed Tables 1-9, the text's figures,
  and the consistency checks that produce the errata (``data/paper/``); it re-exports
  `transcription` (reading the files; the paper's regions in the order of its tables),
  `checks_tables`, `checks_logit`, `checks_samples`, `checks_text` (with `intervals`, the
  rounding arithmetic they share) and `consistency` (all checks, ``errata.csv``);
* `scorecard`: every published cell beside the value a study gives, and the verdict;
  `text_scoring` judges the text's figures by the rules written in ``text_figures.csv``;
* `replica`: the synthetic Peru 2004 study (``data/peru2004``) calibrated to the
  published tables, generated step by step by the modules it names;
* `command`: the `sop replica` subcommand.

    from stagesofprogress.replication.kristjanson2007 import paper, scorecard
    card = scorecard.scorecard(study)
"""
