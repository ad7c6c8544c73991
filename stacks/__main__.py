"""The domain stack: `pulumi up` runs this; `meshplane plan` runs the same program offline."""

from meshplane.program import main

main()
