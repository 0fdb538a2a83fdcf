"""The replication of Kristjanson et al. (2007), PPLPI Working Paper 39 (Peru, 2004).

Modules (import them by name; nothing is loaded until then):

* `paper`: the transcription of the printed Tables 1-9, the text's figures, and the
  consistency checks that produce the errata (``data/paper/``);
* `scorecard`: every published cell beside the value a study gives, and the verdict;
* `replica`: the synthetic Peru 2004 study (``data/peru2004``) calibrated to the
  published tables, generated step by step by the modules it names;
* `command`: the `sop replica` subcommand.

    from stagesofprogress.replication.kristjanson2007 import paper, scorecard
    card = scorecard.scorecard(study)
"""
