from proofsheet.cli import main

main()
