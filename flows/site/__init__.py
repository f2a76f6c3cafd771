"""What a release offers people besides its data files: Atom feeds, a portal, offline docs."""
