"""The domain stacks and the platform stack: `pulumi up` runs this; `meshplane plan` runs the same program offline."""

from meshplane.stack.program import main

main()
