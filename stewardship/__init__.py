"""The human workflow of the hub: data stewards' judgements on pairs of records and overrides of golden records
(merge, split, unmerge; queue and console to come). Depends on ``mdm``, never the other way: resolution reads the
judgements as data."""
