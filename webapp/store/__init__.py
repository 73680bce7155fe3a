"""All reads and writes of the data. Each function names a domain action and,
when it changes data, takes the acting user and writes the audit entry in the
same operation. Nothing here imports Flask."""
