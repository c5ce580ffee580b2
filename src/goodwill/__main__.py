from goodwill.cli.app import main

main()
