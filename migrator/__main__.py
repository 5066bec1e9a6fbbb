"""`python -m migrator` runs the same CLI as the `migrator` console script."""

from migrator.cli.app import main

if __name__ == "__main__":
    main()
