from roamstream.cli import main

main()
