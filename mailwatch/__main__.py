from mailwatch.cli.main import main

main()
