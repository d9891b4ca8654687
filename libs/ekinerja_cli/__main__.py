from ekinerja_cli.main import main

raise SystemExit(main())
