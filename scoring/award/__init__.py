"""Award: criteria scored, award methods applied, bids ranked, the ranking's robustness assessed."""
