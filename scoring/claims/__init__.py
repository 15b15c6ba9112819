"""Claims: label and certificate claims verified against registers, equivalence and review decisions."""
