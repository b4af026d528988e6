from leadboard.cli import main

raise SystemExit(main())
