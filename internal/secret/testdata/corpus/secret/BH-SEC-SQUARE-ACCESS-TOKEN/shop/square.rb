client = Square::Client.new(access_token: "EAAAJkP1Ua9chofTC2RPy0LgTuAypw2-7Rz7L31T3VURhP_JMt2vzFbAkKxSFOfJ")
