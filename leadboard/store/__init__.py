"""Storage: peewee models behind one database proxy, migrations, and the indexed queries the board needs."""
