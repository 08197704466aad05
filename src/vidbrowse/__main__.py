from vidbrowse.cli import main

raise SystemExit(main())
