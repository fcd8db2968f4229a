"""The offline demo: a realistic AWS estate in an in-process moto server (extra ``demo``).

Importing this package imports neither moto nor boto3; :mod:`cloudwaste.demo.estate` loads them when
the estate is built.
"""
