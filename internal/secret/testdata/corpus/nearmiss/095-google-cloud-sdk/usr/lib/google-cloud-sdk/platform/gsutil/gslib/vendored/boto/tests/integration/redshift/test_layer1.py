        self.master_password = 'P4ssword'
