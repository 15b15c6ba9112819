"""After the award: the contract record of the winning bid's commitments, and their follow-up."""
