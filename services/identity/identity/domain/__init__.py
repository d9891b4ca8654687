"""Identity domain: NIP, golongan/pangkat, employee status, positions and assignments. Standard library only."""
