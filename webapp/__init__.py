"""The colorectal cancer episodes system. The application factory is in
`webapp.app`; this package imports nothing, so the domain, the store and the
database layer can be used (and tested) without Flask."""
