"""Reference data loaded by ``manage.py load_units`` that no installed package provides."""
