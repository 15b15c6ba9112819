"""Reports: the evaluation written for evaluators, auditors, bidders and publication."""
