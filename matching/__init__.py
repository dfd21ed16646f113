"""Pure entity resolution of client records: standardise, block, compare, score and cluster."""
