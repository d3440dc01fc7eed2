"""Developer qualification (spec 3.6.1): submitted with documents, decided by an operator."""
